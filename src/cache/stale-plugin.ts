import type { ApolloServerPlugin } from '@apollo/server';
import type { StaleRead } from '../upstreams/call.js';

/** What the plugin needs of the context: the stale reads the operation was answered with. */
export interface StaleReadsContext {
  staleUpstreamReads?: StaleRead[] | undefined;
}

/**
 * An operation that was answered in part from stale copies, because the upstream failed
 * (stale-if-error, CACHE_STALE_GRACE_SECONDS), says so: `extensions.staleUpstreamReads` lists
 * each such read as `{ upstream, route, ageSeconds, code }`, `code` being the error the
 * failed call would have given. Its response is also never cacheable downstream.
 */
export function staleReadsPlugin<C extends StaleReadsContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const stale = contextValue.staleUpstreamReads;
          if (!stale || stale.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, staleUpstreamReads: stale };
          response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
