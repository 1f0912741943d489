import type { Logger } from 'pino';
import type { TransportObserver } from '../../http/transport.js';

/** A circuit opening or closing is rare and matters: one line each time. */
export function breakerLogObserver(logger: Logger): TransportObserver {
  return {
    onBreakerStateChange: ({ upstream, state }) => {
      if (state === 'closed') logger.info({ upstream, breaker: state }, 'upstream circuit closed: calls flow again');
      else if (state === 'half-open') logger.info({ upstream, breaker: state }, 'upstream circuit half-open: probing');
      else logger.warn({ upstream, breaker: state }, 'upstream circuit open: failing fast');
    },
  };
}
