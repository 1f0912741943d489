import type { ApolloServerPlugin } from '@apollo/server';

/**
 * With per-caller credentials (pass-through mode) the data depends on who asks, so no shared
 * cache may keep it: every response is marked `private`, whatever the type hints say.
 * (Apollo's own cache-control plugin turns the hints into the header.)
 */
export function privateResponsesPlugin(perCallerCredentials: boolean): ApolloServerPlugin {
  return {
    async requestDidStart() {
      if (!perCallerCredentials) return;
      return {
        async executionDidStart(requestContext) {
          requestContext.overallCachePolicy.restrict({ scope: 'PRIVATE' });
        },
      };
    },
  };
}
