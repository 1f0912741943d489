import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AttemptEnd, BreakerState, TransportObserver } from '../../http/transport.js';
import type { UpstreamName } from '../../errors.js';
import type { OperationOutcome } from '../operation.js';

// Prometheus metrics of one gateway. Each gateway owns its Registry (never prom-client's
// global one), so several gateways in one process (the tests) keep separate counts. Every
// label value is bounded: upstream and route come from code, status and retry reason from
// small sets, and operation names, which clients choose, are filtered and capped below.

/** What the shared upstream cache reports. The cache depends on this, not on prom-client. */
export interface CacheMetrics {
  /** A read was answered from the cache. `route` is the route name, e.g. `GET /Companies({id})`. */
  cacheHit(upstream: UpstreamName, route: string): void;
  /** A read had to go to the upstream. */
  cacheMiss(upstream: UpstreamName, route: string): void;
}

/** How an operation ended: no errors, data with errors, or errors and no data. */

/** Label for an operation that has no name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** Label for a request whose operation never resolved (parse or validation failure, unknown operationName). */
export const INVALID_OPERATION = 'invalid';
/** Label for names outside the pattern, or beyond the cap. */
export const OTHER_OPERATION = 'other';

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/**
 * Distinct operation names one gateway labels. Clients pick the names, so without a cap a
 * client sending a new name per request would grow the registry without bound; real
 * frontends use a few dozen.
 */
export const MAX_OPERATION_NAMES = 200;

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 2 };
/** Status label of an attempt that got no response (timeout, reset, refused). */
export const NO_RESPONSE = 'none';

export class GatewayMetrics implements CacheMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private breakers: (() => Partial<Record<UpstreamName, BreakerState>>) | undefined;

  private readonly operationDuration = new Histogram({
    name: 'gateway_operation_duration_seconds',
    help: 'GraphQL operations, from request start to response, by operation name and outcome (ok, partial, error).',
    labelNames: ['operation', 'outcome'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly operationsInFlight = new Gauge({
    name: 'gateway_operations_in_flight',
    help: 'GraphQL operations being executed.',
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'gateway_upstream_request_duration_seconds',
    help: `Upstream HTTP attempts (each retry counts) by upstream, route and status ("${NO_RESPONSE}" when no response came back).`,
    labelNames: ['upstream', 'route', 'status'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamInFlight = new Gauge({
    name: 'gateway_upstream_requests_in_flight',
    help: 'Upstream HTTP attempts sent and not yet answered (including those queued in the connection pool).',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  private readonly retries = new Counter({
    name: 'gateway_upstream_retries_total',
    help: 'Upstream retries scheduled, by reason (the status, or the kind of transport error).',
    labelNames: ['upstream', 'route', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly budgetExhausted = new Counter({
    name: 'gateway_upstream_retry_budget_exhausted_total',
    help: 'Retries wanted but refused because the retry budget was spent.',
    labelNames: ['upstream', 'route'] as const,
    registers: [this.registry],
  });
  private readonly cacheHits = new Counter({
    name: 'gateway_upstream_cache_hits_total',
    help: 'Upstream reads answered from the cache.',
    labelNames: ['upstream', 'route'] as const,
    registers: [this.registry],
  });
  private readonly routeBreakers = new Gauge({
    name: 'gateway_upstream_route_breaker_state',
    help: 'Circuit breaker of each route that has its own (the route table\'s `breaker`): 0 closed, 1 half-open, 2 open. A route appears once its circuit first changes state.',
    labelNames: ['upstream', 'route'] as const,
    registers: [this.registry],
  });
  private readonly cacheMisses = new Counter({
    name: 'gateway_upstream_cache_misses_total',
    help: 'Upstream reads the cache could not answer.',
    labelNames: ['upstream', 'route'] as const,
    registers: [this.registry],
  });

  constructor() {
    // Started now rather than at the first scrape, so that its event-loop and GC figures
    // cover the gateway's whole life.
    processRegistry();
    const metrics = this;
    new Gauge({
      name: 'gateway_upstream_breaker_state',
      help: 'Circuit breaker of each upstream: 0 closed, 1 half-open, 2 open.',
      labelNames: ['upstream'] as const,
      registers: [this.registry],
      // Read at scrape time from the transports themselves (the state is cockatiel's, and an
      // upstream whose circuit never changed state is listed too). Routes with a circuit of
      // their own are in gateway_upstream_route_breaker_state.
      collect() {
        this.reset();
        for (const [upstream, state] of Object.entries(metrics.breakers?.() ?? {})) {
          if (state) this.set({ upstream }, BREAKER_VALUE[state]);
        }
      },
    });
  }

  /** Where the breaker gauge reads the states (the gateway's transports). */
  watchBreakers(states: () => Partial<Record<UpstreamName, BreakerState>>): void {
    this.breakers = states;
  }

  /** Call when an operation starts; call the function it returns once, when it ends. */
  operationStarted(): (operation: string, outcome: OperationOutcome) => void {
    const started = performance.now();
    this.operationsInFlight.inc();
    let ended = false;
    return (operation, outcome) => {
      if (ended) return;
      ended = true;
      this.operationsInFlight.dec();
      this.operationDuration.observe({ operation: this.operationLabel(operation), outcome }, (performance.now() - started) / 1000);
    };
  }

  /**
   * The `operation` label for a resolved operation's name (null when anonymous). Names that
   * are not plain GraphQL names of at most 64 characters, and new names once the cap is
   * reached, are counted under `other`.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    if (name === INVALID_OPERATION) return INVALID_OPERATION;
    if (!OPERATION_NAME.test(name)) return OTHER_OPERATION;
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return OTHER_OPERATION;
    this.operationNames.add(name);
    return name;
  }

  cacheHit(upstream: UpstreamName, route: string): void {
    this.cacheHits.inc({ upstream, route });
  }

  cacheMiss(upstream: UpstreamName, route: string): void {
    this.cacheMisses.inc({ upstream, route });
  }

  /** Feeds the upstream metrics; pass it to the transports (through `Upstreams`). */
  readonly observer: TransportObserver = {
    onAttemptStart: ({ upstream, route }): AttemptEnd => {
      const started = performance.now();
      this.upstreamInFlight.inc({ upstream });
      return ({ status }) => {
        this.upstreamInFlight.dec({ upstream });
        this.upstreamDuration.observe({ upstream, route, status: status === undefined ? NO_RESPONSE : String(status) }, (performance.now() - started) / 1000);
      };
    },
    onRetry: ({ upstream, route, reason }) => this.retries.inc({ upstream, route, reason: retryReasonLabel(reason) }),
    onRetryBudgetExhausted: ({ upstream, route }) => this.budgetExhausted.inc({ upstream, route }),
    onBreakerStateChange: ({ upstream, route, state }) => {
      if (route !== undefined) this.routeBreakers.set({ upstream, route }, BREAKER_VALUE[state]);
    },
  };

  /** The text exposition: this gateway's series, then the process's. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return { contentType: this.registry.contentType, body: `${own}\n${process}` };
  }
}

/**
 * The transport reports a status (`503`), a kind of failure it names (`timed out`), an error
 * code (`ECONNREFUSED`), or, as a last resort, an error's message, which is unbounded.
 */
function retryReasonLabel(reason: string): string {
  if (/^\d{3}$/.test(reason) || /^[A-Z][A-Z0-9_]{1,40}$/.test(reason)) return reason;
  if (/^[a-z ]{1,40}$/.test(reason)) return reason.replace(/ /g, '_');
  return 'other';
}

let sharedProcessRegistry: Registry | undefined;

/**
 * CPU, memory, event loop, GC: facts about the process, not about one gateway, and each
 * `collectDefaultMetrics` call starts monitors (a GC observer, an event-loop histogram) that
 * are never stopped. So one registry per process, created on first use, however many
 * gateways the process runs.
 */
function processRegistry(): Registry {
  if (!sharedProcessRegistry) {
    sharedProcessRegistry = new Registry();
    collectDefaultMetrics({ register: sharedProcessRegistry });
  }
  return sharedProcessRegistry;
}
