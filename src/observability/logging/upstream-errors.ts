import type { Logger } from 'pino';
import type { TransportObserver } from '../../http/transport.js';

/**
 * What an upstream said when a call failed, for operators: one warning per failed call with the
 * upstream, the route, the status and a bounded excerpt of the body with credentials redacted
 * (the transport prepares it, src/http/redact.ts). Clients never see the body: their message
 * names the status only (src/http/failures.ts).
 */
export function upstreamErrorLogObserver(logger: Logger): TransportObserver {
  return {
    onErrorBody: ({ upstream, route, status, bodyExcerpt }) => {
      logger.warn({ upstream, route, status, bodyExcerpt }, 'upstream answered with an error');
    },
  };
}
