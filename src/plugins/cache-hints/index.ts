import type { ApolloServerPlugin } from '@apollo/server';

/**
 * With per-caller credentials (pass-through mode) the data depends on who asks, so no shared
 * cache may keep it: the `Cache-Control` that the cache-control plugin (./static-policy.ts)
 * derived from the type hints is narrowed to `private`. Register it after that plugin.
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
