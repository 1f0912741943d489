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
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

/** One structured logger for the process. */
export const logger = createLogger();
