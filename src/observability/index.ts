import type { ApolloServerPlugin } from '@apollo/server';
import type { TracerProvider } from '@opentelemetry/api';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { GatewayContext } from '../graph/context.js';
import type { AttemptEnd, AttemptInfo, TransportObserver } from '../http/transport.js';
import type { Upstreams } from '../upstreams/index.js';
import { RequestCorrelation } from './correlation/index.js';
import { breakerLogObserver, operationLoggingPlugin, upstreamErrorLogObserver } from './logging/index.js';
import { GatewayMetrics, operationMetricsPlugin } from './metrics/index.js';
import { Readiness } from './readiness/index.js';
import { TRACER_NAME, UpstreamSpans, operationSpanMiddleware, operationTracingPlugin } from './tracing/index.js';

// One folder per concern: logging/, metrics/, tracing/, readiness/, correlation/ (the request
// id sent to the upstreams). Each holds its Apollo plugin and transport observer beside the
// rest of it; this file only assembles them. Nothing here imports from src/plugins, and the
// concerns do not import each other (operation.ts, the summary of a finished operation, is
// shared); test/observability/imports.test.ts checks both.

export { GatewayMetrics, type CacheMetrics } from './metrics/index.js';
export { Readiness } from './readiness/index.js';

export interface ObservabilityOptions {
  logger: Logger;
  /** Where traces go; undefined turns tracing off (nothing is installed). */
  tracerProvider?: TracerProvider | undefined;
  /** The breakers' half-open delay: how long an open circuit makes /readyz fail. */
  breakerHalfOpenAfterMs: number;
}

/**
 * Logs, metrics, traces, request correlation and readiness of one gateway, as the pieces the
 * server mounts: a transport observer for `Upstreams`, Apollo plugins, middleware for
 * `/graphql`, and the `/readyz` and `/metrics` routes. `close()` when the gateway closes.
 */
export class Observability {
  readonly metrics = new GatewayMetrics();
  readonly readiness: Readiness;
  /** Give it to `new Upstreams({ observer })`. */
  readonly observer: TransportObserver;
  readonly plugins: ApolloServerPlugin<GatewayContext>[];
  /** Mount on `/graphql` after the body parser and before Apollo's middleware. */
  readonly graphqlMiddleware: RequestHandler[];
  private readonly upstreamSpans: UpstreamSpans | undefined;

  constructor({ logger, tracerProvider, breakerHalfOpenAfterMs }: ObservabilityOptions) {
    this.readiness = new Readiness(breakerHalfOpenAfterMs);
    const correlation = new RequestCorrelation();
    const tracer = tracerProvider?.getTracer(TRACER_NAME);
    this.upstreamSpans = tracerProvider && new UpstreamSpans(tracerProvider);
    this.observer = combineObservers([this.metrics.observer, this.readiness.observer, breakerLogObserver(logger), upstreamErrorLogObserver(logger), correlation.observer, this.upstreamSpans?.observer]);
    this.plugins = [correlation.plugin, operationLoggingPlugin(logger), operationMetricsPlugin(this.metrics), ...(tracer ? [operationTracingPlugin()] : [])];
    this.graphqlMiddleware = [correlation.middleware, ...(tracer ? [operationSpanMiddleware(tracer)] : [])];
  }

  /** Reads the circuit breakers of these upstreams for /readyz and the breaker gauge. */
  watch(upstreams: Upstreams): void {
    // Every registered upstream, so an added one is in /readyz and the gauge with no further code.
    const states = () => upstreams.breakerStates();
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

  /** Stops listening to undici's diagnostics channels (they are the process's, not the gateway's). */
  close(): void {
    this.upstreamSpans?.disable();
  }
}

/** One observer that tells each of several; a throwing observer must not break a call, so none may throw. */
export function combineObservers(observers: Array<TransportObserver | undefined>): TransportObserver {
  const all = observers.filter((o): o is TransportObserver => o !== undefined);
  const starts = all.flatMap((o) => (o.onAttemptStart ? [o.onAttemptStart.bind(o)] : []));
  const headerSources = all.flatMap((o) => (o.requestHeaders ? [o.requestHeaders.bind(o)] : []));
  const wrappers = all.flatMap((o) => (o.aroundAttempt ? [o.aroundAttempt.bind(o)] : []));
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
    requestHeaders: (event) => {
      let headers: Record<string, string> | undefined;
      for (const source of headerSources) {
        const more = source(event);
        if (more) headers = { ...headers, ...more };
      }
      return headers;
    },
    // The first observer's wrapper is the outermost.
    aroundAttempt: <T>(event: AttemptInfo, run: () => Promise<T>) => wrappers.reduceRight<() => Promise<T>>((inner, wrap) => () => wrap(event, inner), run)(),
    onAttempt: (event) => all.forEach((o) => o.onAttempt?.(event)),
    onRetry: (event) => all.forEach((o) => o.onRetry?.(event)),
    onRetryBudgetExhausted: (event) => all.forEach((o) => o.onRetryBudgetExhausted?.(event)),
    onBreakerStateChange: (event) => all.forEach((o) => o.onBreakerStateChange?.(event)),
    onErrorBody: (event) => all.forEach((o) => o.onErrorBody?.(event)),
  };
}
