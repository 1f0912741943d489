import { ErrorsAreMissesCache, InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import KeyvRedis, { createClient } from '@keyv/redis';
import Keyv from 'keyv';
import { logger } from '../logger.js';

export interface SharedStore {
  /** Apollo's key/value interface: used for upstream reads and for APQ. */
  cache: KeyValueCache<string>;
  /** `redis` when replicas share it, `memory` when it is this process's own. */
  kind: 'redis' | 'memory';
  close(): Promise<void>;
}

/**
 * The store everything cross-request lives in. With REDIS_URL, one Redis shared by every
 * replica (Keyv + @keyv/redis behind Apollo's KeyvAdapter); without it, a bounded in-memory
 * LRU. A Redis that stops answering makes reads misses and writes no-ops, never failures:
 * the gateway then works as it would without a cache. A Redis that accepts connections but
 * never answers (frozen) is the same: every read and write has `timeoutMs` (CACHE_TIMEOUT_MS)
 * of its own, after which a read is a miss and a write is dropped, so no operation waits on it.
 */
export function createSharedStore(options: { redisUrl?: string | undefined; maxMemoryBytes: number; keyPrefix?: string; timeoutMs?: number }): SharedStore {
  if (!options.redisUrl) {
    const cache = new InMemoryLRUCache<string>({ maxSize: options.maxMemoryBytes, sizeCalculation: (value, key) => value.length + key.length });
    return { cache, kind: 'memory', close: async () => {} };
  }
  // Our own client, so that a Redis that is down costs nothing per request: commands fail at
  // once instead of queueing (disableOfflineQueue), and the client keeps reconnecting in the
  // background with a capped backoff.
  const timeoutMs = options.timeoutMs ?? 100;
  const client = createClient({
    url: options.redisUrl,
    disableOfflineQueue: true,
    // A frozen Redis answers nothing: each command gives up after the budget, so commands do not
    // pile up in the client's queue while it stays frozen.
    commandOptions: { timeout: timeoutMs },
    socket: { connectTimeout: 1_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 5_000) },
  });
  let lastWarning = 0;
  client.on('error', (error: unknown) => {
    // A down Redis reports on every reconnect attempt: one line every 30 s is plenty.
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    logger.warn({ err: error }, 'shared cache (Redis) unavailable: serving without it');
  });
  client.connect().catch(() => {
    // Reported through the 'error' listener; reconnects continue in the background.
  });
  const redis = new KeyvRedis(client as never, { throwOnConnectError: false, throwOnErrors: false });
  const keyv = new Keyv<string>({ store: redis, namespace: options.keyPrefix ?? 'gw', throwOnErrors: false });
  return {
    // keyv ships separate CJS and ESM typings; KeyvAdapter names the CJS one. Same class at run time.
    cache: new BudgetedCache(new ErrorsAreMissesCache(new KeyvAdapter(keyv as never), logger), timeoutMs),
    kind: 'redis',
    close: async () => {
      if (client.isReady) await client.quit().catch(() => client.destroy());
      else client.destroy();
    },
  };
}

/**
 * A store whose every call answers within `timeoutMs`: a read past it is a miss, a write or
 * delete past it resolves (and goes on, or not, in the background). The Redis client's own
 * command timeout ends the command itself; this bounds the whole call (Keyv's and the
 * adapter's work included), whatever the client does.
 */
export class BudgetedCache implements KeyValueCache<string> {
  constructor(
    private readonly inner: KeyValueCache<string>,
    private readonly timeoutMs: number,
  ) {}

  get(key: string): Promise<string | undefined> {
    return withinBudget(this.inner.get(key), this.timeoutMs, undefined);
  }

  set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    return withinBudget(this.inner.set(key, value, options), this.timeoutMs, undefined);
  }

  delete(key: string): Promise<boolean | void> {
    return withinBudget(this.inner.delete(key), this.timeoutMs, undefined);
  }
}

/** `promise`'s value, or `fallback` when it takes longer than `ms` or fails. */
function withinBudget<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(fallback), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}
