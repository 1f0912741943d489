import type { Loaders } from '../loaders/index.js';
import type { StaleRead } from '../upstreams/call.js';
import type { UpstreamClients } from '../upstreams/index.js';

/** Everything one GraphQL operation needs, created per request and dropped with it. */
export interface GatewayContext {
  loaders: Loaders;
  /** Correlates log lines of one request; echoed in the `x-request-id` response header. */
  requestId: string;
  /** Upstream calls made so far by this operation, by `upstream route`. */
  upstreamCalls: Map<string, number>;
  /**
   * This operation's caller of any upstream, by its definition: `upstream(DEFINITION).call(route, ...args)`.
   * For upstreams added through startGateway's `extensions` (docs/architecture.md); the
   * built-in two are read through `loaders`.
   */
  upstream: UpstreamClients['caller'];
  /** Reads answered from stale copies because the upstream failed (src/cache/stale-plugin.ts puts them in `extensions`). */
  staleUpstreamReads?: StaleRead[];
}
