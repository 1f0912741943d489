import type { BreakerState, TransportObserver } from '../../http/transport.js';
import type { UpstreamName } from '../../errors.js';

/**
 * Where each upstream is, as `/readyz` shows it: the base URL without credentials, or
 * `"simulator"` when the gateway runs on its embedded simulators.
 */
export type UpstreamLocations = Partial<Record<UpstreamName, string>>;

export type ReadinessReport =
  | { ready: true; body: { status: 'ready'; openUpstreams: UpstreamName[]; upstreams: UpstreamLocations } }
  | { ready: false; body: { status: 'starting' | 'shutting down' | 'unavailable'; reason: string; openUpstreams?: UpstreamName[]; upstreams: UpstreamLocations } };

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
  private locations: UpstreamLocations = {};

  constructor(private readonly halfOpenAfterMs: number) {}

  /** Where the breaker states are read (the gateway's transports). */
  watchBreakers(states: () => Partial<Record<UpstreamName, BreakerState>>): void {
    this.breakers = states;
  }

  /** What `/readyz` reports under `upstreams` (see `UpstreamLocations`). */
  describeUpstreams(locations: UpstreamLocations): void {
    this.locations = { ...locations };
  }

  markServing(): void {
    if (this.state === 'starting') this.state = 'serving';
  }

  markStopping(): void {
    this.state = 'stopping';
  }

  /**
   * Times the openings of the upstreams' circuits. A route's own circuit (an event with
   * `route`, such as the iQmetrix token endpoint's) is not the upstream's: it never counts here.
   */
  readonly observer: TransportObserver = {
    onBreakerStateChange: ({ upstream, route, state }) => {
      if (route !== undefined) return;
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
    const upstreams = this.locations;
    if (this.state === 'starting') return { ready: false, body: { status: 'starting', reason: 'the server has not started listening yet', upstreams } };
    if (this.state === 'stopping') return { ready: false, body: { status: 'shutting down', reason: 'the server is draining its in-flight operations', upstreams } };
    const watched = Object.keys(this.breakers());
    const open = this.openUpstreams();
    if (watched.length > 0 && open.length === watched.length) {
      return { ready: false, body: { status: 'unavailable', reason: 'the circuit of every upstream is open', openUpstreams: open, upstreams } };
    }
    return { ready: true, body: { status: 'ready', openUpstreams: open, upstreams } };
  }
}
