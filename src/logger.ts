// The process logger is defined with the rest of logging, in src/observability/logging/;
// modules that only need to write a line import it from here.
export { LOG_LEVELS, REDACTED_PATHS, createLogger, logger } from './observability/logging/logger.js';
