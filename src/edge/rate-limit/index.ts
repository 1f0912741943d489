import { isIPv4, isIPv6 } from 'node:net';
import type { Request, RequestHandler, Response } from 'express';
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
  /** Counts each request against its client (after authentication, which names the client). */
  middleware: RequestHandler;
  /**
   * Before authentication: refuses (429) an address that has had RATE_LIMIT_PER_MINUTE token
   * refusals (401) in the current minute, and counts each 401 this request ends with. So junk
   * tokens are limited per address like anonymous requests, without verifying any more of them.
   */
  beforeAuthentication: RequestHandler;
  /**
   * Resolves once the shared count is reachable (Redis ready), or after `timeoutMs` at most; true
   * when it is. Until Redis is ready every request is counted by the in-memory insurance limiter
   * (`rejectIfRedisNotReady`), so a replica that took requests before its Redis connection was up
   * would count its first clients alone. Without REDIS_URL: true at once.
   */
  whenShared(timeoutMs: number): Promise<boolean>;
  /** Disconnects the limiter's Redis client, if it has one. */
  close(): Promise<void>;
}

/**
 * RATE_LIMIT_PER_MINUTE requests per client in fixed windows of one minute
 * (rate-limiter-flexible). The client is the verified JWT `sub` when there is one (so that one
 * user behind many addresses, or many users behind one NAT, are counted as they are), else the
 * remote address of the connection (its /64 for IPv6, where one host usually holds a whole /64;
 * see `addressKey`). A subject is keyed with its issuer (`iss|sub`), since two issuers may both
 * have a user `1`.
 *
 * Refused tokens are limited too (`beforeAuthentication`): each 401 counts against the address
 * in a count of its own, and an address over the limit gets 429 before its token is looked at.
 *
 * Memory: rate-limiter-flexible keeps one small record per key seen in the current window, each
 * deleted by an unref'd timer when its window ends, so memory is bounded by the distinct clients
 * of the last minute (the same holds for the in-memory insurance limiter beside Redis).
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

  const address = (req: Request) => addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
  const tooMany = (res: Response, rejection: RateLimiterRes) => {
    const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    refuse(
      res,
      429,
      ErrorCode.RATE_LIMITED,
      `Too many requests: at most ${settings.perMinute} a minute. Try again in ${retryAfter} s.`,
      { 'retry-after': String(retryAfter), ...limitHeaders(settings.perMinute, rejection) },
      { retryAfterSeconds: retryAfter },
    );
    return retryAfter;
  };

  const beforeAuthentication: RequestHandler = (req, res, next) => {
    const key = `refused:${address(req)}`;
    limiter.get(key).then(
      (state) => {
        if (state && state.consumedPoints >= settings.perMinute) {
          const retryAfter = tooMany(res, state);
          logger.info({ client: 'address', retryAfter }, 'request refused: rate limit on refused tokens');
          return;
        }
        res.once('finish', () => {
          if (res.statusCode === 401) limiter.consume(key).catch(() => undefined);
        });
        next();
      },
      // The store failed: the request limit after authentication still applies.
      () => next(),
    );
  };

  const middleware: RequestHandler = (req, res, next) => {
    const caller = callerOf(res.locals);
    const key = caller !== undefined ? `sub:${encodeURIComponent(caller.issuer)}|${caller.subject}` : `ip:${address(req)}`;
    const subject = caller?.subject;
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
        const retryAfter = tooMany(res, rejection);
        logger.info({ client: subject !== undefined ? 'subject' : 'address', retryAfter }, 'request refused: rate limit');
      },
    );
  };

  return {
    middleware,
    beforeAuthentication,
    whenShared: (timeoutMs) => {
      if (!redis || redis.status === 'ready') return Promise.resolve(true);
      const client = redis;
      return new Promise<boolean>((resolve) => {
        const done = (shared: boolean) => {
          clearTimeout(timer);
          client.off('ready', onReady);
          resolve(shared);
        };
        const onReady = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        timer.unref();
        client.on('ready', onReady);
      });
    },
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

/**
 * The rate-limit key of a remote address: an IPv4 address as it is (also when written
 * IPv4-mapped, `::ffff:192.0.2.1`); an IPv6 address by its /64 prefix, as `2001:db8:0:1::/64`
 * (four full groups), since a single host is routinely given a whole /64 (RFC 4291 §2.5.4,
 * SLAAC) and could otherwise take a fresh address for every request. A zone (`%eth0`) is
 * dropped. Anything else is returned unchanged.
 */
export function addressKey(address: string): string {
  const plain = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(plain)) return address;
  const groups = expandIPv6(plain);
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in hex (an embedded IPv4 tail becomes two groups). */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const left = head ? head.split(':') : [];
  if (tail === undefined) return left;
  const right = tail ? tail.split(':') : [];
  return [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
}
