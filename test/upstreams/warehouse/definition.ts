import { UpstreamShapeError } from '../../../src/errors.js';
import { defineUpstream } from '../../../src/upstreams/definition.js';
import { isRecord, requireInt, requireString } from '../../../src/upstreams/shape.js';

// A made-up third upstream, added the way docs/architecture.md ("How to add an upstream")
// says: a definition with its route table, a wire→domain mapping, and nothing else in src/.

export interface StockLevel {
  sku: string;
  onHand: number;
}

/** `GET /stock/{sku}` answers `{ "sku": "A-1", "on_hand": 12 }`. */
export function toStockLevel(body: unknown): StockLevel {
  if (!isRecord(body)) throw new UpstreamShapeError('stock level is not an object');
  const onHand = requireInt(body, 'on_hand');
  if (onHand < 0) throw new UpstreamShapeError('`on_hand` is negative');
  return { sku: requireString(body, 'sku'), onHand };
}

export const WAREHOUSE = defineUpstream({
  name: 'warehouse',
  // No `settings`: an added upstream's URL, cap and credential are given in code (third-upstream.test.ts).
  maxInFlight: { default: 4, max: 16 },
  // Its paths start at /stock: a base URL must not end with it.
  checkUrl: (url) => (/\/stock\/?$/.test(url.pathname) ? 'must not end with /stock (the routes append it)' : undefined),
  routes: {
    stock: {
      name: 'GET /stock/{sku}',
      method: 'GET',
      path: (sku: string) => `/stock/${encodeURIComponent(sku)}`,
      map: (body: unknown) => toStockLevel(body),
      cache: { ttlSeconds: 5, env: 'CACHE_TTL_WAREHOUSE_STOCK' },
    },
  },
});
