import type { RequestHandler } from 'express';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ErrorCode } from '../../errors.js';
import { callerOf } from '../auth/index.js';
import { refuse } from '../respond.js';
import type { RateLimitSettings } from '../settings.js';

const WINDOW_SECONDS = 60;
/** A Redis that does not answer within this is treated as down: the in-memory count takes over. */
const REDIS_COMMAND_TIMEOUT_MS = 250;

export interface RateLimit {
  middleware: RequestHandler;
  /** Disconnects the limiter's Redis client, if it has one. */
  close(): Promise<void>;
}

/**
 * RATE_LIMIT_PER_MINUTE requests per client in fixed windows of one minute
 * (rate-limiter-flexible). The client is the verified JWT `sub` when there is one (so that one
 * user behind many addresses, or many users behind one NAT, are counted as they are), else the
 * remote address of the connection.
 *
 * Over the limit: HTTP 429, `RATE_LIMITED`, `Retry-After` in whole seconds until the window
 * ends, before anything else is done with the request. Every answer carries `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset` (seconds).
 *
 * With REDIS_URL every replica counts in the same Redis keys, so the limit holds for the whole
 * deployment. When Redis is down or slower than 250 ms, each process counts in memory for the
 * time being (the insurance limiter) instead of letting everything through or refusing it.
 */
export function rateLimit(settings: RateLimitSettings, logger: Logger): RateLimit {
  const memory = () => new RateLimiterMemory({ points: settings.perMinute, duration: WINDOW_SECONDS });
  let redis: Redis | undefined;
  let limiter: RateLimiterAbstract;
  if (settings.redisUrl) {
    redis = new Redis(settings.redisUrl, {
      // Fail fast while disconnected, so the insurance limiter answers at once.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      lazyConnect: false,
    });
    let reported = false;
    redis.on('error', (error: Error) => {
      if (reported) return;
      reported = true;
      logger.warn({ err: { message: error.message } }, 'rate limit: Redis unavailable, counting in this process until it is back');
    });
    redis.on('ready', () => (reported = false));
    limiter = new RateLimiterRedis({
      storeClient: redis,
      points: settings.perMinute,
      duration: WINDOW_SECONDS,
      keyPrefix: settings.keyPrefix,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory(),
    });
  } else {
    limiter = memory();
  }

  const middleware: RequestHandler = (req, res, next) => {
    const subject = callerOf(res.locals)?.subject;
    const key = subject !== undefined ? `sub:${subject}` : `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
    limiter.consume(key).then(
      (state: RateLimiterRes) => {
        res.set(limitHeaders(settings.perMinute, state));
        next();
      },
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          // Both stores failed: a broken limiter must not take the gateway down with it.
          logger.warn({ err: { message: (rejection as Error)?.message } }, 'rate limit: cannot count this request; letting it through');
          return next();
        }
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        logger.info({ client: subject !== undefined ? 'subject' : 'address', retryAfter }, 'request refused: rate limit');
        refuse(
          res,
          429,
          ErrorCode.RATE_LIMITED,
          `Too many requests: at most ${settings.perMinute} a minute. Try again in ${retryAfter} s.`,
          { 'retry-after': String(retryAfter), ...limitHeaders(settings.perMinute, rejection) },
          { retryAfterSeconds: retryAfter },
        );
      },
    );
  };

  return {
    middleware,
    close: async () => {
      if (!redis) return;
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

function limitHeaders(limit: number, state: RateLimiterRes): Record<string, string> {
  return {
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': String(Math.max(0, state.remainingPoints)),
    'ratelimit-reset': String(Math.max(0, Math.ceil(state.msBeforeNext / 1000))),
  };
}
