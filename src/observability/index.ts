import type { ApolloServerPlugin } from '@apollo/server';
import type { TracerProvider } from '@opentelemetry/api';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { GatewayContext } from '../graph/context.js';
import type { AttemptEnd, TransportObserver } from '../http/transport.js';
import { operationLoggingPlugin } from '../plugins/logging/index.js';
import { operationMetricsPlugin } from '../plugins/metrics/index.js';
import { operationTracingPlugin } from '../plugins/tracing/index.js';
import type { Upstreams } from '../upstreams/index.js';
import { GatewayMetrics } from './metrics.js';
import { Readiness } from './readiness.js';
import { TRACER_NAME, operationSpanMiddleware, tracingObserver } from './tracing.js';

export { GatewayMetrics, type CacheMetrics } from './metrics.js';
export { Readiness } from './readiness.js';
export { startTracing, type TracingSettings } from './tracing.js';

export interface ObservabilityOptions {
  logger: Logger;
  /** Where traces go; undefined turns tracing off (nothing is installed). */
  tracerProvider?: TracerProvider | undefined;
  /** The breakers' half-open delay: how long an open circuit makes /readyz fail. */
  breakerHalfOpenAfterMs: number;
}

/**
 * Logs, metrics, traces and readiness of one gateway, as the pieces the server mounts: a
 * transport observer for `Upstreams`, Apollo plugins, middleware for `/graphql`, and the
 * `/readyz` and `/metrics` routes.
 */
export class Observability {
  readonly metrics = new GatewayMetrics();
  readonly readiness: Readiness;
  /** Give it to `new Upstreams({ observer })`. */
  readonly observer: TransportObserver;
  readonly plugins: ApolloServerPlugin<GatewayContext>[];
  /** Mount on `/graphql` after the body parser and before Apollo's middleware. */
  readonly graphqlMiddleware: RequestHandler[];

  constructor({ logger, tracerProvider, breakerHalfOpenAfterMs }: ObservabilityOptions) {
    this.readiness = new Readiness(breakerHalfOpenAfterMs);
    const tracer = tracerProvider?.getTracer(TRACER_NAME);
    this.observer = combineObservers([this.metrics.observer, this.readiness.observer, breakerLogObserver(logger), tracer && tracingObserver(tracer)]);
    this.plugins = [operationLoggingPlugin(logger), operationMetricsPlugin(this.metrics), ...(tracer ? [operationTracingPlugin()] : [])];
    this.graphqlMiddleware = tracer ? [operationSpanMiddleware(tracer)] : [];
  }

  /** Reads the circuit breakers of these upstreams for /readyz and the breaker gauge. */
  watch(upstreams: Upstreams): void {
    const states = () => ({ iqmetrix: upstreams.iqmetrix.breakerState, inspectorio: upstreams.inspectorio.breakerState });
    this.readiness.watchBreakers(states);
    this.metrics.watchBreakers(states);
  }

  /** `GET /readyz`, and `GET /metrics` unless turned off. */
  routes({ metrics }: { metrics: boolean }): Router {
    const router = Router();
    router.get('/readyz', (_req, res) => {
      const { ready, body } = this.readiness.report();
      res.status(ready ? 200 : 503).set('cache-control', 'no-store').json(body);
    });
    if (metrics) {
      router.get('/metrics', async (_req, res) => {
        const { contentType, body } = await this.metrics.exposition();
        res.set('content-type', contentType).set('cache-control', 'no-store').send(body);
      });
    }
    return router;
  }
}

/** One observer that tells each of several; a throwing observer must not break a call, so none may throw. */
export function combineObservers(observers: Array<TransportObserver | undefined>): TransportObserver {
  const all = observers.filter((o): o is TransportObserver => o !== undefined);
  const starts = all.flatMap((o) => (o.onAttemptStart ? [o.onAttemptStart.bind(o)] : []));
  return {
    onAttemptStart: (event) => {
      const ends: AttemptEnd[] = [];
      for (const start of starts) {
        const end = start(event);
        if (end) ends.push(end);
      }
      return (outcome) => {
        for (const end of ends) end(outcome);
      };
    },
    onAttempt: (event) => all.forEach((o) => o.onAttempt?.(event)),
    onRetry: (event) => all.forEach((o) => o.onRetry?.(event)),
    onRetryBudgetExhausted: (event) => all.forEach((o) => o.onRetryBudgetExhausted?.(event)),
    onBreakerStateChange: (event) => all.forEach((o) => o.onBreakerStateChange?.(event)),
  };
}

/** A circuit opening or closing is rare and matters: one line each time. */
function breakerLogObserver(logger: Logger): TransportObserver {
  return {
    onBreakerStateChange: ({ upstream, state }) => {
      if (state === 'closed') logger.info({ upstream, breaker: state }, 'upstream circuit closed: calls flow again');
      else if (state === 'half-open') logger.info({ upstream, breaker: state }, 'upstream circuit half-open: probing');
      else logger.warn({ upstream, breaker: state }, 'upstream circuit open: failing fast');
    },
  };
}
