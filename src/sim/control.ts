export interface RequestLogEntry {
  route: string;
  url: string;
  /** 0 while in flight, and for requests that never got an answer (hang, reset, client gone). */
  status: number;
  /** The bearer token or apiKey received. */
  credential: string | undefined;
  at: number;
}

export interface RequestLog {
  /** Requests for one route name (e.g. `'GET /Companies({id})'`), or all of them; control requests are never counted. */
  count(route?: string): number;
  byRoute(): Record<string, number>;
  readonly inFlight: number;
  /** Highest concurrency seen since the last reset. */
  readonly maxInFlight: number;
  entries(): RequestLogEntry[];
  /** Zeroes counts, maxInFlight and entries. */
  reset(): void;
}

export interface FaultSpec {
  /** Extra delay before answering; applies to every matching request, whatever `probability` says. */
  latencyMs?: number;
  jitterMs?: number;
  /** Answer with this status, in the upstream's error body format. */
  status?: number;
  /** 429 as the upstream sends it; `Retry-After` only when retryAfterSeconds is given. */
  rateLimited?: { resetSeconds?: number; retryAfterSeconds?: number };
  /** Accept the request and never answer (until the simulator closes). */
  hang?: boolean;
  /** 200 with a truncated JSON body. */
  malformed?: boolean;
  /** 200 with valid JSON of the wrong shape. */
  wrongShape?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** 0..1, chance each matching request gets the fault (default 1). */
  probability?: number;
  /** Only the next N matching requests get it; then the fault is removed. */
  times?: number;
}

export interface FaultController {
  set(route: string | '*', spec: FaultSpec): void;
  clear(route?: string): void;
}

/** The one thing a fault makes a request do besides waiting; when a spec sets several, the first listed wins. */
export type FaultAction = 'reset' | 'hang' | 'rateLimited' | 'status' | 'malformed' | 'wrongShape';
const ACTION_PRECEDENCE: readonly FaultAction[] = ['reset', 'hang', 'rateLimited', 'status', 'malformed', 'wrongShape'];

export interface FaultDecision {
  delayMs: number;
  /** The spec that fired, when one did; undefined when only latency applies or the dice said no. */
  fired?: { spec: FaultSpec; action: FaultAction | undefined };
}

/** Route name for requests that match no route: counted, but never faulted. */
export const UNMATCHED_ROUTE = '(unmatched)';
const MAX_ENTRIES = 50_000;

export class RequestLogImpl implements RequestLog {
  private counts = new Map<string, number>();
  private log: RequestLogEntry[] = [];
  private current = 0;
  private peak = 0;

  get inFlight(): number {
    return this.current;
  }

  get maxInFlight(): number {
    return this.peak;
  }

  /** Records an arriving request; call the returned function once with the final status (0 when unanswered). */
  begin(route: string, url: string, credential: string | undefined): (status: number) => void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
    const entry: RequestLogEntry = { route, url, status: 0, credential, at: Date.now() };
    this.log.push(entry);
    // A soak run must not grow memory without bound: keep the most recent entries only.
    if (this.log.length > MAX_ENTRIES) this.log.splice(0, this.log.length - MAX_ENTRIES);
    this.current++;
    if (this.current > this.peak) this.peak = this.current;
    let done = false;
    return (status) => {
      if (done) return;
      done = true;
      entry.status = status;
      this.current--;
    };
  }

  count(route?: string): number {
    if (route !== undefined) return this.counts.get(route) ?? 0;
    let total = 0;
    for (const n of this.counts.values()) total += n;
    return total;
  }

  byRoute(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  entries(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e }));
  }

  reset(): void {
    this.counts.clear();
    this.log = [];
    // Requests still in flight keep counting down, so the peak restarts from them rather than from zero.
    this.peak = this.current;
  }

  snapshot(): { byRoute: Record<string, number>; total: number; inFlight: number; maxInFlight: number } {
    return { byRoute: this.byRoute(), total: this.count(), inFlight: this.current, maxInFlight: this.peak };
  }
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number | undefined;
}

export class FaultControllerImpl implements FaultController {
  private faults = new Map<string, ActiveFault>();

  constructor(private readonly routes: readonly string[]) {}

  set(route: string, spec: FaultSpec): void {
    if (route !== '*' && !this.routes.includes(route)) {
      throw new RangeError(`unknown route ${JSON.stringify(route)}; known: '*', ${this.routes.map((r) => `'${r}'`).join(', ')}`);
    }
    validateSpec(spec);
    if (spec.times === 0) {
      this.faults.delete(route);
      return;
    }
    this.faults.set(route, { spec: { ...spec }, remaining: spec.times });
  }

  clear(route?: string): void {
    if (route === undefined) this.faults.clear();
    else this.faults.delete(route);
  }

  /** Decides, at arrival, what happens to one request of `route`; consumes one of `times` when the fault fires. */
  take(route: string): FaultDecision {
    const key = this.faults.has(route) ? route : this.faults.has('*') ? '*' : undefined;
    if (key === undefined) return { delayMs: 0 };
    const active = this.faults.get(key)!;
    const { spec } = active;
    const delayMs = Math.max(0, (spec.latencyMs ?? 0) + (spec.jitterMs ? Math.random() * spec.jitterMs : 0));
    if (spec.probability !== undefined && Math.random() >= spec.probability) return { delayMs };
    if (active.remaining !== undefined && --active.remaining <= 0) this.faults.delete(key);
    return { delayMs, fired: { spec, action: ACTION_PRECEDENCE.find((a) => spec[a] !== undefined && spec[a] !== false) } };
  }
}

function validateSpec(spec: FaultSpec): void {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('fault spec must be an object');
  const nonNegative = (name: string, value: unknown) => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new RangeError(`${name} must be a non-negative number`);
    }
  };
  nonNegative('latencyMs', spec.latencyMs);
  nonNegative('jitterMs', spec.jitterMs);
  nonNegative('rateLimited.resetSeconds', spec.rateLimited?.resetSeconds);
  nonNegative('rateLimited.retryAfterSeconds', spec.rateLimited?.retryAfterSeconds);
  if (spec.status !== undefined && (!Number.isInteger(spec.status) || spec.status < 200 || spec.status > 599)) {
    throw new RangeError('status must be an integer in 200..599');
  }
  if (spec.probability !== undefined && (typeof spec.probability !== 'number' || !(spec.probability >= 0 && spec.probability <= 1))) {
    throw new RangeError('probability must be within 0..1');
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 0)) {
    throw new RangeError('times must be a non-negative integer');
  }
}
