import { Gauge, type Registry } from 'prom-client';
import type { SharedCaps } from './shared.js';

/**
 * The shared caps' gauges, read at scrape time from the limiters themselves, in `registry`
 * (the gateway's own, GatewayMetrics.registry):
 *
 * - `gateway_upstream_in_flight_cap_shared{upstream}`: 1 while the upstream's cap is kept in
 *   Redis across replicas, 0 while this replica keeps to its share in process (Redis down or
 *   not answering). Alert on 0 that lasts.
 * - `gateway_upstream_in_flight_cap_limit{upstream}`: requests this replica may have in flight
 *   to the upstream now: the whole cap when shared, its share when local.
 *
 * Only with REDIS_URL and IN_FLIGHT_SHARED on: without them each replica's cap is its own by
 * design, and neither gauge is registered.
 */
export function registerSharedCapGauges(registry: Registry, caps: SharedCaps): void {
  new Gauge({
    name: 'gateway_upstream_in_flight_cap_shared',
    help: 'Whether the upstream in-flight cap is held across replicas through Redis (1) or this replica keeps to its share because Redis is unavailable (0).',
    labelNames: ['upstream'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const limiter of caps.madeLimiters) this.set({ upstream: limiter.upstream }, limiter.mode === 'shared' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'gateway_upstream_in_flight_cap_limit',
    help: 'Upstream requests this replica may have in flight now: the whole cap while shared through Redis, its share while not.',
    labelNames: ['upstream'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const limiter of caps.madeLimiters) this.set({ upstream: limiter.upstream }, limiter.limit);
    },
  });
}
