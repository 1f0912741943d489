import type { UpstreamReadCache } from '../cache/upstream-cache.js';
import { ErrorCode, UpstreamError, UpstreamShapeError } from '../errors.js';
import type { UpstreamRequest, UpstreamResponse, UpstreamTransport } from '../http/transport.js';
import type { CredentialSource } from './credentials.js';

/** Per-operation facts every upstream call needs. */
export interface CallContext {
  /** Aborted at the operation's deadline. */
  signal?: AbortSignal | undefined;
  /** The operation's deadline (epoch ms); retries never wait past it. */
  deadline?: number | undefined;
  /** Told of every upstream call this operation makes (for logs and tests). */
  onCall?: ((upstream: string, route: string) => void) | undefined;
}

/**
 * Authenticated JSON reads from one upstream, for one operation: credential headers, the
 * shared read cache, one repeat after a 401 that led to a renewed credential, and mapping
 * to the domain, where a body of the wrong shape becomes UPSTREAM_UNAVAILABLE instead of a
 * crash further down.
 */
export class UpstreamCaller {
  constructor(
    private readonly transport: UpstreamTransport,
    private readonly credentials: CredentialSource,
    private readonly context: CallContext,
    private readonly cache?: UpstreamReadCache | undefined,
  ) {}

  async get<T>(route: string, path: string, map: (body: unknown) => T): Promise<T> {
    const { transport, credentials, context } = this;
    const cacheKey = this.cache?.caches(route) ? this.cache.key(transport.upstream, credentials.fingerprint, transport.baseUrl + path) : undefined;
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
    if (response.status < 200 || response.status >= 300) throw transport.statusFailure(request, response);
    const mapped = this.map(request, response, map);
    if (cacheKey !== undefined) await this.cache!.write(route, cacheKey, response);
    return mapped;
  }

  private map<T>(request: UpstreamRequest, response: UpstreamResponse, map: (body: unknown) => T): T {
    const body = this.transport.parseJson(request, response);
    try {
      return map(body);
    } catch (error) {
      if (!(error instanceof UpstreamShapeError)) throw error;
      throw new UpstreamError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        this.transport.upstream,
        `${this.transport.upstream} answered ${request.route} with an unexpected shape: ${error.message}`,
        { upstreamStatus: response.status, cause: error },
      );
    }
  }
}
