// Logs: the process logger and its redaction (logger.ts), one line per operation (plugin.ts),
// one line per circuit breaker change (breakers.ts), one per upstream error answer with a
// redacted excerpt of its body (upstream-errors.ts).
export { LOG_LEVELS, REDACTED_PATHS, createLogger, logger } from './logger.js';
export { operationLoggingPlugin } from './plugin.js';
export { breakerLogObserver } from './breakers.js';
export { upstreamErrorLogObserver } from './upstream-errors.js';
