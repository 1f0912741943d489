import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Where credentials could appear in a logged object: caller and upstream headers (at the
 * top, under `req`, or one level down), and credential fields at the top or one level down.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.apikey',
  'req.headers["x-inspectorio-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers.apikey',
  'headers["x-inspectorio-api-key"]',
  '*.headers.authorization',
  '*.headers.apikey',
  '*.headers["x-inspectorio-api-key"]',
  'authorization',
  'token',
  'apiKey',
  'password',
  'clientSecret',
  '*.authorization',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.clientSecret',
];

/**
 * A logger with the process's settings: `LOG_LEVEL` picks the level (default `info`,
 * `silent` under Jest) and credentials are redacted. Tests pass a destination to read what
 * would be written.
 */
export function createLogger(destination?: DestinationStream, level = process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info')): Logger {
  // An unknown level is reported by loadConfig, naming the variable; pino would throw here,
  // at import, before that message could be given.
  return pino({ level: LOG_LEVELS.includes(level) ? level : 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

export const LOG_LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** One structured logger for the process. */
export const logger = createLogger();
