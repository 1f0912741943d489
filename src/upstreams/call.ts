import type { UpstreamReadCache } from '../cache/upstream-cache.js';
import { invalidValuesMade } from '../domain/checked.js';
import { UpstreamShapeError } from '../errors.js';
import { shapeFailure, statusFailure } from '../http/failures.js';
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
    private readonly cache?: UpstreamReadCache | undefined,
  ) {}

  /**
   * Calls the route `key` of the definition's table with the arguments its path builder
   * takes, and returns what its mapping makes of the body. Rejects with an UpstreamError.
   */
  call<K extends keyof RoutesOf<D> & string>(key: K, ...args: RouteArgs<RoutesOf<D>[K]>): Promise<RouteResult<RoutesOf<D>[K]>> {
    const route = this.definition.routes[key] as RouteDefinition<unknown[], RouteResult<RoutesOf<D>[K]>> | undefined;
    if (!route) throw new RangeError(`${this.definition.name} has no route ${JSON.stringify(key)}`);
    if (route.method !== 'GET') throw new RangeError(`${this.definition.name} ${route.name}: only GET routes are read through the caller`);
    return this.get(route.name, route.path(...args), (body) => route.map(body, ...args));
  }

  private async get<T>(route: string, path: string, map: (body: unknown) => T): Promise<T> {
    const { transport, credentials, context } = this;
    const cacheKey = this.cache?.caches(transport.upstream, route) ? this.cache.key(transport.upstream, credentials.fingerprint, transport.baseUrl + path) : undefined;
    if (cacheKey !== undefined) {
      const cached = await this.cache!.read(transport.upstream, route, cacheKey);
      if (cached !== undefined) return this.map({ route, path, headers: {} }, { status: 200, headers: {}, body: cached }, map);
    }

    const send = async () => {
      const headers = await credentials.headers(context.signal);
      context.onCall?.(transport.upstream, route);
      const request: UpstreamRequest = { route, path, headers: { accept: 'application/json', ...headers }, signal: context.signal, deadline: context.deadline };
      return { headers, request, response: await transport.exchange(request) };
    };

    let { headers, request, response } = await send();
    if (response.status === 401 && credentials.renew && (await credentials.renew(headers, context.signal))) {
      ({ request, response } = await send());
    }
    if (response.status < 200 || response.status >= 300) {
      transport.reportErrorBody(request, response);
      throw statusFailure(transport.upstream, request.route, response);
    }
    const invalidBefore = invalidValuesMade();
    const mapped = this.map(request, response, map);
    // A body with a value the graph cannot read answers this operation (only the fields that
    // show the value fail) but is not kept: it may be a glitch that the next call does not repeat.
    if (cacheKey !== undefined && invalidValuesMade() === invalidBefore) await this.cache!.write(transport.upstream, route, cacheKey, response);
    return mapped;
  }

  private map<T>(request: UpstreamRequest, response: UpstreamResponse, map: (body: unknown) => T): T {
    const body = this.transport.parseJson(request, response);
    try {
      return map(body);
    } catch (error) {
      if (!(error instanceof UpstreamShapeError)) throw error;
      throw shapeFailure(this.transport.upstream, request.route, response.status, error);
    }
  }
}
