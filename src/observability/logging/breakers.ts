import type { Logger } from 'pino';
import type { TransportObserver } from '../../http/transport.js';

/** A circuit opening or closing is rare and matters: one line each time. */
export function breakerLogObserver(logger: Logger): TransportObserver {
  return {
    // `route` is set for a route's own circuit (the route table's `breaker`): only that route is affected.
    onBreakerStateChange: ({ upstream, route, state }) => {
      const fields = route === undefined ? { upstream, breaker: state } : { upstream, route, breaker: state };
      const circuit = route === undefined ? 'upstream circuit' : 'route circuit';
      if (state === 'closed') logger.info(fields, `${circuit} closed: calls flow again`);
      else if (state === 'half-open') logger.info(fields, `${circuit} half-open: probing`);
      else logger.warn(fields, `${circuit} open: failing fast`);
    },
  };
}
