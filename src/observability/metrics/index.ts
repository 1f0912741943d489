// Metrics: the Prometheus registry and the transport observer that feeds it (registry.ts),
// and the per-operation series (plugin.ts).
export { GatewayMetrics, INVALID_OPERATION, MAX_OPERATION_NAMES, type CacheMetrics } from './registry.js';
export { operationMetricsPlugin } from './plugin.js';
