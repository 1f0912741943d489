import * as zlib from 'node:zlib';
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

/** The `encoding` modifier's values: what it compresses the body with (see FaultSpec.encoding). */
export const SIM_ENCODINGS = ['gzip', 'br', 'deflate', 'deflate-raw', 'gzip-unterminated', 'zstd'] as const;
export type SimEncoding = (typeof SIM_ENCODINGS)[number];
/** Whether this runtime's zlib compresses zstd (Node.js 22.15 and later). */
export const hasZstd = typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

export interface FaultSpec {
  /** Extra delay before answering; applies to every matching request, whatever `probability` says. */
  latencyMs?: number;
  jitterMs?: number;
  /** Answer with this status, in the upstream's error body format. */
  status?: number;
  /** 429 as the upstream sends it; `Retry-After` only when retryAfterSeconds is given. */
  rateLimited?: { resetSeconds?: number; retryAfterSeconds?: number };
  /**
   * `true`: accept the request and never answer (until the simulator closes). A number: hold it that
   * many ms, then answer normally (a hang that ends; unlike `latencyMs` it obeys `probability`).
   */
  hang?: boolean | number;
  /** 200 with a truncated JSON body. */
  malformed?: boolean;
  /** 200 with valid JSON of the wrong shape. */
  wrongShape?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /**
   * Answer as a proxy in front of the upstream would: a `text/html` error page (default status 502,
   * an nginx-style page carrying an HTML comment with an internal address, SIM_PROXY_INTERNAL_ADDRESS).
   * `body` replaces the page; `{{credential}}` and `{{url}}` in it become the credential and the URL
   * the request carried, for an upstream that echoes them back. `{{credential:json}}` spells the
   * credential with every character but letters and digits as a JSON `\uXXXX` escape,
   * `{{credential:form}}` form-encoded (URLSearchParams), `{{credential:percent-lower}}` with
   * lower-case percent escapes (`%2d`).
   */
  html?: boolean | { status?: number; body?: string };
  /** 0..1, chance each matching request gets the fault (default 1). */
  probability?: number;
  /** Only the next N matching requests get it; then the fault is removed. */
  times?: number;
  /**
   * Only requests whose URL (path and query, as sent or percent-decoded) contains this text match;
   * others are served as if this fault were not set (a `'*'` fault may still apply to them).
   */
  urlContains?: string;
  /**
   * Modifiers, applied to whatever answer the request gets (the normal one or a fault's):
   * rewrite fields of a JSON body (see FieldRewrite), prefix the body with a UTF-8 byte-order mark,
   * add or replace response headers (names case-insensitive; Content-Length is always recomputed).
   */
  rewrite?: FieldRewrite | FieldRewrite[];
  bom?: boolean;
  headers?: Record<string, string>;
  /**
   * Compresses the body (after rewrite and bom) and says so in `Content-Encoding`, as a proxy in
   * front of the upstream may, whether or not the request sent `Accept-Encoding`. Beside the
   * standard spellings: `deflate-raw` sends raw deflate (RFC 1951, no zlib wrapper) as `deflate`,
   * as some servers do; `gzip-unterminated` sends gzip without its 8-byte trailer, as a server that
   * closes early does; `zstd` needs a runtime whose zlib has it (Node.js 22.15+; set throws otherwise).
   */
  encoding?: SimEncoding;
}

/**
 * One change to a JSON body. `path` is dot-separated; each segment is an object key, an array index,
 * `*` (every element or value), or `key=value` (the array elements whose `key` equals `value`, compared
 * as text). Examples: `items.3.CompanyId`, `data.*.target.type`, `data.id=6001.type`. Sets `value`
 * where the path leads, or deletes the field with `remove: true`; a path that leads nowhere changes nothing.
 */
export interface FieldRewrite {
  path: string;
  value?: unknown;
  remove?: boolean;
}

export interface FaultController {
  set(route: string | '*', spec: FaultSpec): void;
  clear(route?: string): void;
}

/** The one thing a fault makes a request do besides waiting; when a spec sets several, the first listed wins. */
export type FaultAction = 'reset' | 'hang' | 'rateLimited' | 'status' | 'html' | 'malformed' | 'wrongShape';
const ACTION_PRECEDENCE: readonly FaultAction[] = ['reset', 'hang', 'rateLimited', 'status', 'html', 'malformed', 'wrongShape'];

/** The internal address the default proxy error page (`html` fault) leaks in an HTML comment. */
export const SIM_PROXY_INTERNAL_ADDRESS = '10.20.30.40:8443';

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

  /**
   * Decides, at arrival, what happens to one request of `route` at `url` (path and query as received);
   * consumes one of `times` when the fault fires. The route's own fault wins over `'*'`, unless its
   * `urlContains` leaves this URL out.
   */
  take(route: string, url: string): FaultDecision {
    const applies = (key: string) => {
      const text = this.faults.get(key)?.spec.urlContains;
      return this.faults.has(key) && (text === undefined || urlContains(url, text));
    };
    const key = applies(route) ? route : applies('*') ? '*' : undefined;
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
  if (typeof spec.hang !== 'boolean') nonNegative('hang', spec.hang);
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
  if (spec.html !== undefined && typeof spec.html !== 'boolean') {
    if (typeof spec.html !== 'object' || spec.html === null) throw new TypeError('html must be a boolean or {status?, body?}');
    const { status, body } = spec.html;
    if (status !== undefined && (!Number.isInteger(status) || status < 200 || status > 599)) throw new RangeError('html.status must be an integer in 200..599');
    if (body !== undefined && typeof body !== 'string') throw new TypeError('html.body must be a string');
  }
  if (spec.urlContains !== undefined && (typeof spec.urlContains !== 'string' || spec.urlContains === '')) {
    throw new TypeError('urlContains must be a non-empty string');
  }
  if (spec.bom !== undefined && typeof spec.bom !== 'boolean') throw new TypeError('bom must be a boolean');
  if (spec.encoding !== undefined && !SIM_ENCODINGS.includes(spec.encoding)) throw new TypeError(`encoding must be one of ${SIM_ENCODINGS.join(', ')}`);
  if (spec.encoding === 'zstd' && !hasZstd) throw new TypeError('encoding zstd needs a Node.js whose zlib has zstd (22.15 or later)');
  if (spec.headers !== undefined) {
    if (typeof spec.headers !== 'object' || spec.headers === null || Array.isArray(spec.headers)) throw new TypeError('headers must be an object of strings');
    for (const [name, value] of Object.entries(spec.headers)) {
      // The same token rule Node applies when it writes the header, checked here so a bad name fails at set().
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError(`header name ${JSON.stringify(name)} is not a valid token`);
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new TypeError(`header ${name} must be a string without line breaks`);
      if (name.toLowerCase() === 'content-length' || name.toLowerCase() === 'transfer-encoding') {
        throw new TypeError(`header ${name} is computed by the simulator and cannot be set`);
      }
    }
  }
  for (const rewrite of rewritesOf(spec)) {
    if (typeof rewrite !== 'object' || rewrite === null || typeof rewrite.path !== 'string' || rewrite.path === '') {
      throw new TypeError('each rewrite must be {path: string, value?: unknown, remove?: boolean}');
    }
    if (rewrite.remove !== undefined && typeof rewrite.remove !== 'boolean') throw new TypeError('rewrite.remove must be a boolean');
    if (!rewrite.remove && !('value' in rewrite)) throw new TypeError(`rewrite of ${rewrite.path} needs a value or remove: true`);
  }
}

/** The rewrites of a spec as a list (it takes one or several). */
export function rewritesOf(spec: FaultSpec): FieldRewrite[] {
  if (spec.rewrite === undefined) return [];
  return Array.isArray(spec.rewrite) ? spec.rewrite : [spec.rewrite];
}

function urlContains(url: string, text: string): boolean {
  if (url.includes(text)) return true;
  try {
    return decodeURIComponent(url).includes(text);
  } catch {
    return false;
  }
}

/**
 * Applies rewrites to a parsed JSON value in place (see FieldRewrite for the path syntax).
 * Returns how many places changed.
 */
export function applyRewrites(root: unknown, rewrites: readonly FieldRewrite[]): number {
  let changed = 0;
  for (const rewrite of rewrites) {
    const segments = rewrite.path.split('.');
    const last = segments.pop()!;
    let parents: unknown[] = [root];
    for (const segment of segments) parents = parents.flatMap((node) => select(node, segment));
    for (const parent of parents) {
      if (typeof parent !== 'object' || parent === null) continue;
      const keys = last === '*' ? Object.keys(parent) : Array.isArray(parent) && !/^\d+$/.test(last) ? [] : [last];
      // Back to front, so that removing an array element does not shift the ones still to visit.
      for (const key of Array.isArray(parent) ? keys.reverse() : keys) {
        if (Array.isArray(parent) && Number(key) >= parent.length) continue;
        const record = parent as Record<string, unknown>;
        if (rewrite.remove) {
          if (!(key in record)) continue;
          if (Array.isArray(parent)) parent.splice(Number(key), 1);
          else delete record[key];
        } else {
          // A copy, so that two places never share one object the next rewrite could change through both.
          record[key] = structuredClone(rewrite.value);
        }
        changed++;
      }
    }
  }
  return changed;
}

function select(node: unknown, segment: string): unknown[] {
  if (typeof node !== 'object' || node === null) return [];
  if (segment === '*') return Object.values(node);
  const eq = segment.indexOf('=');
  if (eq > 0 && Array.isArray(node)) {
    const key = segment.slice(0, eq);
    const value = segment.slice(eq + 1);
    return node.filter((item) => typeof item === 'object' && item !== null && key in item && String((item as Record<string, unknown>)[key]) === value);
  }
  if (Array.isArray(node)) return /^\d+$/.test(segment) && Number(segment) < node.length ? [node[Number(segment)]] : [];
  return segment in node ? [(node as Record<string, unknown>)[segment]] : [];
}
