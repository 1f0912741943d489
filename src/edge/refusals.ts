import type { RequestHandler, Response } from 'express';
import { Counter, type Registry } from 'prom-client';

/** Where `countRefusals` leaves its counter for `refuse` (src/edge/respond.ts) on the response. */
const COUNT = 'edgeRefusalCount';

/**
 * `gateway_edge_refusals_total{code}`: requests the edge refused before Apollo Server parsed
 * them, by the `extensions.code` of the refusal (UNAUTHENTICATED from the JWT check, RATE_LIMITED,
 * PERSISTED_QUERY_NOT_IN_LIST and the trusted-documents middleware's other 400s). They never
 * reach the operation metrics, which count what Apollo ran. Codes are this gateway's own (a
 * handful), so the label stays bounded.
 *
 * Returns the middleware that makes `refuse` count on this response; it goes first on /graphql.
 * Counted when the refusal is written, so a scrape after the response has seen it.
 */
export function countRefusals(registry: Registry): RequestHandler {
  const counter = new Counter({
    name: 'gateway_edge_refusals_total',
    help: 'Requests refused at the edge (JWT, rate limit, trusted documents) before any operation ran, by error code.',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const count = (code: string) => counter.inc({ code });
  return (_req, res, next) => {
    res.locals[COUNT] = count;
    next();
  };
}

/** Counts a refusal with `code` when `countRefusals` runs in front of this response. */
export function countRefusal(res: Response, code: string): void {
  const count: unknown = res.locals[COUNT];
  if (typeof count === 'function') (count as (code: string) => void)(code);
}
