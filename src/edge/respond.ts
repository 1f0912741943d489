import type { Response } from 'express';
import { countRefusal } from './refusals.js';

/**
 * Refuses a whole request before Apollo Server sees it, in the shape of a GraphQL response
 * (`{"errors":[{message, extensions:{code}}]}`), with an HTTP status of its own: no operation
 * ran, so there is no `data`. Counted in `gateway_edge_refusals_total{code}` (src/edge/refusals.ts).
 */
export function refuse(res: Response, status: number, code: string, message: string, headers: Record<string, string> = {}, extensions: Record<string, unknown> = {}): void {
  countRefusal(res, code);
  res.status(status).set({ 'cache-control': 'no-store', ...headers }).json({ errors: [{ message, extensions: { code, ...extensions } }] });
}
