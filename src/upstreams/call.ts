import type { SharedCallScope, SharedReads } from '../cache/shared-reads.js';
import type { CachedRead, UpstreamReadCache } from '../cache/upstream-cache.js';
import { collectInvalidValues } from '../domain/checked.js';
import { ErrorCode, UpstreamError, UpstreamShapeError } from '../errors.js';
import { isAbort, noResponseFailure, shapeFailure, statusFailure } from '../http/failures.js';
import type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from '../http/transport.js';
import type { CredentialSource } from './credentials.js';
import type { RouteDefinition, UpstreamDefinition } from './definition.js';

/** Per-operation facts every upstream call needs. */
export interface CallContext {
  /** Aborted at the operation's deadline. */
  signal?: AbortSignal | undefined;
  /** The operation's deadline (epoch ms); retries never wait past it. */
  deadline?: number | undefined;
  /** Told of every upstream call this operation makes (for logs and tests). */
  onCall?: ((upstream: string, route: string) => void) | undefined;
  /**
   * Told when a kept copy answered in place of a failed upstream call (stale-if-error or the
   * grace period): the operation reports it in `extensions.staleUpstreamReads`.
   */
  onStale?: ((read: StaleRead) => void) | undefined;
}

/** A read answered from a stale copy because the upstream failed. */
export interface StaleRead {
  upstream: string;
  route: string;
  /** How old the copy is, in seconds, counted from when the upstream produced it. */
  ageSeconds: number;
  /** The code the failed call would have answered with. */
  code: string;
}

/** Failures a stale copy may stand in for: the upstream's own trouble, not its answers (a 404 is one). */
function servedStaleFor(error: unknown): boolean {
  if (!(error instanceof UpstreamError)) return false;
  if (error.code === ErrorCode.UPSTREAM_RATE_LIMITED) return true;
  return error.code === ErrorCode.UPSTREAM_UNAVAILABLE && (error.upstreamStatus === undefined || error.upstreamStatus >= 500);
}

type RoutesOf<D> = D extends UpstreamDefinition<infer Routes> ? Routes : never;
/** The arguments of a route's path builder. */
export type RouteArgs<R> = R extends { path: (...args: infer Args) => string } ? Args : never;
/** What a route's mapping returns. */
export type RouteResult<R> = R extends { map: (...args: any[]) => infer T } ? T : never;

/**
 * Authenticated JSON reads from one upstream, for one operation: credential headers, the
 * shared read cache, one repeat after a 401 that led to a renewed credential, and mapping
 * to the domain, where a body of the wrong shape becomes UPSTREAM_UNAVAILABLE instead of a
 * crash further down.
 */
export class UpstreamCaller<D extends UpstreamDefinition = UpstreamDefinition> {
  constructor(
    readonly definition: D,
    private readonly transport: UpstreamTransport,
    private readonly credentials: CredentialSource,
    private readonly context: CallContext,
    private readonly cache: UpstreamReadCache | undefined,
    /** Reads in flight, shared with every other operation of the process. */
    private readonly shared: SharedReads,
  ) {}

  /**
   * Calls the route `key` of the definition's table with the arguments its path builder
   * takes, and returns what its mapping makes of the body. Rejects with an UpstreamError.
   */
  call<K extends keyof RoutesOf<D> & string>(key: K, ...args: RouteArgs<RoutesOf<D>[K]>): Promise<RouteResult<RoutesOf<D>[K]>> {
    const route = this.definition.routes[key] as RouteDefinition<unknown[], RouteResult<RoutesOf<D>[K]>> | undefined;
    if (!route) throw new RangeError(`${this.definition.name} has no route ${JSON.stringify(key)}`);
    if (route.method !== 'GET') throw new RangeError(`${this.definition.name} ${route.name}: only GET routes are read through the caller`);
    return this.get(route, args, route.path(...args), (body) => route.map(body, ...args));
  }

  private async get<T>(route: RouteDefinition<unknown[], T>, args: unknown[], path: string, map: (body: unknown) => T): Promise<T> {
    const { transport, credentials, context } = this;
    const upstream = transport.upstream;
    const url = transport.baseUrl + path;
    const cache = this.cache?.caches(upstream, route.name) ? this.cache : undefined;
    const recordName = route.record?.(...args);
    const cacheKey = cache ? (recordName !== undefined ? cache.recordKey(upstream, credentials.fingerprint, recordName) : cache.key(upstream, credentials.fingerprint, url)) : undefined;
    let kept: CachedRead<T> | undefined;
    if (cache && cacheKey !== undefined) {
      // A record is kept as its mapped JSON (a batch may have written it); a whole response as the upstream's body.
      const decode = recordName !== undefined ? (body: string) => JSON.parse(body) as T : (body: string) => this.map({ route: route.name, path, headers: {} }, { status: 200, headers: {}, body }, map);
      kept = await cache.read(upstream, route.name, cacheKey, decode);
      if (kept && kept.freshUntil > Date.now()) return kept.value;
    }
    try {
      // One call for every operation that needs this read now, with the same credential.
      return await this.shared.run(`${credentials.fingerprint}\u0000${url}`, context.signal, context.deadline, (scope) =>
        this.fetch(route, args, path, url, map, cacheKey, recordName !== undefined, scope),
      );
    } catch (caught) {
      // A wait for a shared read that this operation gave up (its deadline, its client gone)
      // ends with its signal's bare reason: the same failure as a call of its own cut short.
      const error = !(caught instanceof UpstreamError) && isAbort(caught) ? noResponseFailure(upstream, route.name, caught) : caught;
      // An upstream that fails (5xx, 429, no answer, open circuit) is answered by a kept copy
      // within its stale window, and the operation says so in `extensions`. A 4xx is an answer.
      if (!kept || !cache?.usableOnError(kept) || !servedStaleFor(error)) throw error;
      context.onStale?.({ upstream, route: route.name, ageSeconds: Math.max(0, Math.round((Date.now() - kept.bornAt) / 1000)), code: (error as UpstreamError).code });
      return kept.value;
    }
  }

  /** The upstream call itself (shared by concurrent waiters): credential, 401 renewal, mapping, cache write. */
  private async fetch<T>(
    route: RouteDefinition<unknown[], T>,
    args: unknown[],
    path: string,
    url: string,
    map: (body: unknown) => T,
    cacheKey: string | undefined,
    keptAsRecord: boolean,
    scope: SharedCallScope,
  ): Promise<T> {
    const { transport, credentials, context } = this;
    const send = async () => {
      const headers = await credentials.headers(scope.signal);
      context.onCall?.(transport.upstream, route.name);
      const request: UpstreamRequest = { route: route.name, path, headers: { accept: 'application/json', ...headers }, signal: scope.signal, deadline: scope.deadline };
      // Joiners with later deadlines extend the shared call's: the transport reads it before each retry.
      Object.defineProperty(request, 'deadline', { get: () => scope.deadline, enumerable: true });
      return { headers, request, response: await transport.exchange(request) };
    };

    let { headers, request, response } = await send();
    if (response.status === 401 && credentials.renew && (await credentials.renew(headers, scope.signal))) {
      ({ request, response } = await send());
    }
    if (response.status < 200 || response.status >= 300) {
      transport.reportErrorBody(request, response);
      throw statusFailure(transport.upstream, request.route, response);
    }
    const { value, invalid } = collectInvalidValues(() => this.map(request, response, map));
    // A body with a value the graph cannot read answers this operation (only the fields that
    // show the value fail) but is not kept: it may be a glitch that the next call does not repeat.
    const cache = this.cache;
    if (cache && cacheKey !== undefined && invalid.length === 0) {
      const lifetimes = cache.lifetimes(transport.upstream, route.name, url, response);
      if (lifetimes) {
        cache.write(cacheKey, value, keptAsRecord ? JSON.stringify(value) : response.body, lifetimes);
        const records = route.records?.(value, ...args);
        if (records) {
          cache.writeRecords(
            Array.from(records, ([name, record]) => [cache.recordKey(transport.upstream, credentials.fingerprint, name), record] as const),
            lifetimes,
          );
        }
      }
    }
    return value;
  }

  /**
   * A record kept from an earlier read (e.g. `organization 6000`, which a batch by externalId
   * also keeps), fresh only; undefined when the cache is off or holds none. Costs no upstream call.
   */
  async cachedRecord<T>(routeKeyName: keyof RoutesOf<D> & string, record: string): Promise<T | undefined> {
    const route = this.definition.routes[routeKeyName];
    const cache = this.cache;
    if (!route || !cache?.caches(this.transport.upstream, route.name)) return undefined;
    const kept = await cache.readRecord<T>(cache.recordKey(this.transport.upstream, this.credentials.fingerprint, record));
    return kept && kept.freshUntil > Date.now() ? kept.value : undefined;
  }

  private map<T>(request: UpstreamRequest, response: UpstreamResponse, map: (body: unknown) => T): T {
    const body = this.transport.parseJson(request, response);
    try {
      const { value, invalid } = collectInvalidValues(() => map(body));
      for (const bad of invalid) bad.answeredWith(response.status);
      return value;
    } catch (error) {
      if (!(error instanceof UpstreamShapeError)) throw error;
      throw shapeFailure(this.transport.upstream, request.route, response.status, error);
    }
  }
}
