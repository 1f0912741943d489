import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLoaders } from '../loaders/index.js';
import type { StaleRead } from '../upstreams/call.js';
import type { Upstreams } from '../upstreams/index.js';
import type { GatewayContext } from './context.js';

/**
 * The state of one GraphQL operation: its request id, its deadline, clients bound to the
 * caller's credentials and fresh loaders. Nothing here outlives the operation.
 */
export function createOperationContext(upstreams: Upstreams, operationTimeoutMs: number, req: IncomingMessage, res: ServerResponse): GatewayContext {
  const given = req.headers['x-request-id'];
  const requestId = (typeof given === 'string' && given.slice(0, 100)) || randomUUID();
  res.setHeader('x-request-id', requestId);

  // Upstream work stops at the deadline (a TimeoutError, as AbortSignal.timeout gives), or when
  // the client goes away before its answer. One controller and one timer, cleared with the
  // response: AbortSignal.any and AbortSignal.timeout cost far more per operation (issue 12),
  // and their timer would stay pending for the whole timeout after every answer.
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), operationTimeoutMs);
  deadline.unref();
  res.once('close', () => {
    clearTimeout(deadline);
    if (!res.writableFinished) controller.abort();
  });
  const signal = controller.signal;
  // Every upstream call in flight listens on it: a wide operation legitimately has many.
  setMaxListeners(0, signal);

  const upstreamCalls = new Map<string, number>();
  const staleUpstreamReads: StaleRead[] = [];
  const clients = upstreams.clientsFor(
    {
      signal,
      deadline: Date.now() + operationTimeoutMs,
      onCall: (upstream, route) => {
        const key = `${upstream} ${route}`;
        upstreamCalls.set(key, (upstreamCalls.get(key) ?? 0) + 1);
      },
      onStale: (read) => staleUpstreamReads.push(read),
    },
    req.headers,
  );
  return { requestId, upstreamCalls, staleUpstreamReads, loaders: createLoaders(clients.iqmetrix, clients.inspectorio), upstream: clients.caller };
}
