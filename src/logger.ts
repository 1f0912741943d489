import { pino } from 'pino';

/**
 * One structured logger for the process. `LOG_LEVEL` picks the level (default `info`,
 * `silent` under Jest). Credentials are redacted wherever they could appear.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info'),
  redact: {
    paths: ['req.headers.authorization', 'req.headers.apikey', 'req.headers["x-inspectorio-api-key"]', 'headers.authorization', 'headers.apikey', '*.token', '*.apiKey', '*.password', '*.clientSecret'],
    censor: '[redacted]',
  },
});
