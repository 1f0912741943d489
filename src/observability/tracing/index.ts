// Traces: the operation's SERVER span (operation-span.ts), the upstream requests' CLIENT
// spans (upstream-spans.ts), and the SDK that exports them (sdk.ts, loaded by main.ts).
export { operationSpanMiddleware, operationTracingPlugin } from './operation-span.js';
export { DEFAULT_SERVICE_NAME, TRACER_NAME, type TracingSettings } from './settings.js';
export { startTracing, type StartedTracing } from './sdk.js';
export { UpstreamSpans, redactUrl } from './upstream-spans.js';
