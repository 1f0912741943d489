import { ErrorsAreMissesCache, InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import { KeyvAdapter } from '@apollo/utils.keyvadapter';
import KeyvRedis from '@keyv/redis';
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
export function createSharedStore(options: { redisUrl?: string | undefined; maxMemoryBytes: number }): SharedStore {
  if (!options.redisUrl) {
    const cache = new InMemoryLRUCache<string>({ maxSize: options.maxMemoryBytes, sizeCalculation: (value, key) => value.length + key.length });
    return { cache, kind: 'memory', close: async () => {} };
  }
  const redis = new KeyvRedis(options.redisUrl, { throwOnConnectError: false, throwOnErrors: false, connectionTimeout: 2_000 });
  const keyv = new Keyv<string>({ store: redis, namespace: 'gw', useKeyPrefix: false, throwOnErrors: false });
  keyv.on('error', (error: unknown) => logger.warn({ err: error }, 'shared cache (Redis) error: serving without it'));
  return {
    // keyv ships separate CJS and ESM typings; KeyvAdapter names the CJS one. Same class at run time.
    cache: new ErrorsAreMissesCache(new KeyvAdapter(keyv as never), logger),
    kind: 'redis',
    close: () => keyv.disconnect(),
  };
}
