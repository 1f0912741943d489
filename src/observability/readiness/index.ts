import type { BreakerState, TransportObserver } from '../../http/transport.js';
import type { UpstreamName } from '../../errors.js';

export type ReadinessReport =
  | { ready: true; body: { status: 'ready'; openUpstreams: UpstreamName[] } }
  | { ready: false; body: { status: 'starting' | 'shutting down' | 'unavailable'; reason: string; openUpstreams?: UpstreamName[] } };

/**
 * What `/readyz` answers: ready once the server listens, until shutdown begins, unless the
 * circuit of every upstream is open (the instance could then only fail fast).
 *
 * An open circuit counts only until its half-open delay has passed. After that the breaker
 * lets the next call through as a probe, but a load balancer that drained this instance
 * sends it no calls, so an instance that stayed "not ready" for as long as its circuits
 * are open would never find out the upstreams came back. Ready again after the delay, it
 * gets the traffic that probes them, and goes back to "not ready" if the probe fails.
 */
export class Readiness {
  private state: 'starting' | 'serving' | 'stopping' = 'starting';
  /** When each upstream's circuit last opened; at most one entry per upstream. */
  private readonly openedAt = new Map<UpstreamName, number>();
  private breakers: () => Partial<Record<UpstreamName, BreakerState>> = () => ({});

  constructor(private readonly halfOpenAfterMs: number) {}

  /** Where the breaker states are read (the gateway's transports). */
  watchBreakers(states: () => Partial<Record<UpstreamName, BreakerState>>): void {
    this.breakers = states;
  }

  markServing(): void {
    if (this.state === 'starting') this.state = 'serving';
  }

  markStopping(): void {
    this.state = 'stopping';
  }

  /**
   * Times the circuits' openings. The iQmetrix token endpoint's breaker reports under the
   * iQmetrix name too; its events can only shift this timing, never make a closed API
   * circuit count as open, because `report` reads the API transport's own state first.
   */
  readonly observer: TransportObserver = {
    onBreakerStateChange: ({ upstream, state }) => {
      if (state === 'open') this.openedAt.set(upstream, Date.now());
      else if (state !== 'isolated') this.openedAt.delete(upstream);
    },
  };

  /** Upstreams whose circuit is open and still within its half-open delay (or isolated). */
  openUpstreams(now = Date.now()): UpstreamName[] {
    const open: UpstreamName[] = [];
    for (const [upstream, state] of Object.entries(this.breakers()) as Array<[UpstreamName, BreakerState | undefined]>) {
      if (state === 'isolated') open.push(upstream);
      if (state !== 'open') continue;
      const since = this.openedAt.get(upstream);
      if (since !== undefined && now - since < this.halfOpenAfterMs) open.push(upstream);
    }
    return open;
  }

  report(): ReadinessReport {
    if (this.state === 'starting') return { ready: false, body: { status: 'starting', reason: 'the server has not started listening yet' } };
    if (this.state === 'stopping') return { ready: false, body: { status: 'shutting down', reason: 'the server is draining its in-flight operations' } };
    const upstreams = Object.keys(this.breakers());
    const open = this.openUpstreams();
    if (upstreams.length > 0 && open.length === upstreams.length) {
      return { ready: false, body: { status: 'unavailable', reason: 'the circuit of every upstream is open', openUpstreams: open } };
    }
    return { ready: true, body: { status: 'ready', openUpstreams: open } };
  }
}
