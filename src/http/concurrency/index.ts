// In-flight caps beyond one process: see shared.ts. Without REDIS_URL the transport's default
// limiter applies (poolLimiter in src/http/transport.ts: the keep-alive pool's own connection
// limit).
export { LocalSemaphore } from './local.js';
export { SharedCaps, SharedInFlightLimiter, type SharedCapSettings } from './shared.js';
export { NoSlotError, type CapMode, type InFlightLimiter, type Release } from './types.js';
export { registerSharedCapGauges } from './metrics.js';
