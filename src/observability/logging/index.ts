// Logs: the process logger and its redaction (logger.ts), one line per operation (plugin.ts),
// one line per circuit breaker change (breakers.ts).
export { LOG_LEVELS, REDACTED_PATHS, createLogger, logger } from './logger.js';
export { operationLoggingPlugin } from './plugin.js';
export { breakerLogObserver } from './breakers.js';
