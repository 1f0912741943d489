import { ErrorsAreMissesCache, InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
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
 * the gateway then works as it would without a cache.
 */
export function createSharedStore(options: { redisUrl?: string | undefined; maxMemoryBytes: number; keyPrefix?: string }): SharedStore {
  if (!options.redisUrl) {
    const cache = new InMemoryLRUCache<string>({ maxSize: options.maxMemoryBytes, sizeCalculation: (value, key) => value.length + key.length });
    return { cache, kind: 'memory', close: async () => {} };
  }
  // Our own client, so that a Redis that is down costs nothing per request: commands fail at
  // once instead of queueing (disableOfflineQueue), and the client keeps reconnecting in the
  // background with a capped backoff.
  const client = createClient({
    url: options.redisUrl,
    disableOfflineQueue: true,
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
    cache: new ErrorsAreMissesCache(new KeyvAdapter(keyv as never), logger),
    kind: 'redis',
    close: async () => {
      if (client.isReady) await client.quit().catch(() => client.destroy());
      else client.destroy();
    },
  };
}
