import type { ApolloServerPlugin } from '@apollo/server';

/**
 * With per-caller credentials (pass-through mode) the data depends on who asks, so no shared
 * cache may keep it: the `Cache-Control` that Apollo's cache-control plugin derived from the
 * type hints is narrowed to `private`. Register it after ApolloServerPluginCacheControl.
 *
 * It is done on the header rather than by restricting `overallCachePolicy` up front: Apollo's
 * plugin stops computing hints altogether when it finds the policy already restricted at
 * the start of execution (it takes that as a response cache having decided).
 */
export function privateResponsesPlugin(perCallerCredentials: boolean): ApolloServerPlugin {
  return {
    async requestDidStart() {
      if (!perCallerCredentials) return;
      return {
        async willSendResponse({ response }) {
          const header = response.http.headers.get('cache-control');
          if (header && /\bpublic\b/.test(header)) response.http.headers.set('cache-control', header.replace(/\bpublic\b/, 'private'));
        },
      };
    },
  };
}
