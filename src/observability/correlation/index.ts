import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestHandler } from 'express';
import type { GatewayContext } from '../../graph/context.js';
import type { TransportObserver } from '../../http/transport.js';

// The request id follows the operation to the upstreams: every upstream request an
// operation makes carries it as `x-request-id`, so an upstream's logs can be matched with
// the gateway's line for the operation (which has `requestId`) and with the caller's.
//
// The id itself is decided where the operation's context is built (src/graph/
// create-context.ts: the caller's `X-Request-Id`, else a new UUID). Upstream requests are
// made far below, by loaders shared within the operation, so the id reaches the transport
// through the operation's async context: the middleware opens a slot for the request, the
// plugin fills it as soon as Apollo has the context, and the transport asks for the headers
// of each attempt in the caller's async context (queued requests included, see
// src/http/caller-context-pool.ts).

interface Slot {
  requestId?: string;
}

export class RequestCorrelation {
  private readonly storage = new AsyncLocalStorage<Slot>();

  /**
   * Runs the rest of the request with an empty slot. Mount it on `/graphql` after the body
   * parser (whose callbacks run in the socket's async context and would lose the slot).
   */
  readonly middleware: RequestHandler = (_req, _res, next) => {
    this.storage.run({}, next);
  };

  /** Fills the slot with the operation's request id; Apollo calls requestDidStart in the middleware's async context. */
  readonly plugin: ApolloServerPlugin<GatewayContext> = {
    requestDidStart: async ({ contextValue }) => {
      const slot = this.storage.getStore();
      if (slot) slot.requestId = contextValue.requestId;
    },
  };

  /** Adds `x-request-id` to each upstream request made on behalf of an operation. */
  readonly observer: TransportObserver = {
    requestHeaders: () => {
      const requestId = this.storage.getStore()?.requestId;
      return requestId === undefined ? undefined : { 'x-request-id': requestId };
    },
  };
}
