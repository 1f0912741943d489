import { Pool, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import { ErrorCode, UpstreamError, codeForUpstreamStatus, type UpstreamName } from '../errors.js';

// The one way the gateway talks to an upstream. Upstream clients describe a request
// (route, path, headers); this turns it into an HTTP exchange on a keep-alive pool and
// turns every failure into an UpstreamError carrying a public code, exactly once.

export interface TransportSettings {
  /** Base URL; its path (e.g. `/v1`) is prefixed to every request path. */
  url: string;
  /** Connections per upstream = requests in flight at most; the pool queues the rest. */
  maxInFlight: number;
  connectTimeoutMs: number;
  /** Time to the response headers. */
  headersTimeoutMs: number;
  /** Longest silence while the body streams. */
  bodyTimeoutMs: number;
  /** Largest response body accepted, in bytes. */
  maxBodyBytes: number;
}

export const DEFAULT_TRANSPORT_SETTINGS: Omit<TransportSettings, 'url' | 'maxInFlight'> = {
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 8_000,
  bodyTimeoutMs: 8_000,
  maxBodyBytes: 16 * 1024 * 1024,
};

export interface UpstreamRequest {
  /** Route name, the path template: `GET /Companies({id})`. Used for metrics and logs. */
  route: string;
  /** Path and query, appended to the base URL's path. */
  path: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Aborts the call (the operation's deadline, or the client going away). */
  signal?: AbortSignal | undefined;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Observes every exchange; used for per-operation call counts, logs and metrics. */
export type UpstreamObserver = (event: { upstream: UpstreamName; route: string; status: number | undefined; durationMs: number }) => void;

export class UpstreamTransport {
  private readonly pool: Pool;
  private readonly basePath: string;

  constructor(
    readonly upstream: UpstreamName,
    private readonly settings: TransportSettings,
  ) {
    const base = new URL(settings.url);
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, {
      connections: settings.maxInFlight,
      pipelining: 1,
      connect: { timeout: settings.connectTimeoutMs },
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
  }

  /** One HTTP exchange. Resolves with any status; rejects only when no response came back. */
  async exchange(request: UpstreamRequest): Promise<UpstreamResponse> {
    let response: Dispatcher.ResponseData;
    try {
      response = await this.pool.request({
        method: request.method ?? 'GET',
        path: this.basePath + request.path,
        headers: request.headers,
        body: request.body ?? null,
        signal: request.signal,
      });
    } catch (error) {
      throw this.transportFailure(request, error);
    }
    try {
      const body = await readBody(response.body, this.settings.maxBodyBytes);
      return { status: response.statusCode, headers: response.headers, body };
    } catch (error) {
      throw this.transportFailure(request, error);
    }
  }

  /**
   * GET a JSON document. A non-2xx status becomes an UpstreamError with the status's public
   * code and the upstream's own message; a body that is not JSON is UPSTREAM_UNAVAILABLE.
   */
  async getJson(request: UpstreamRequest): Promise<unknown> {
    const response = await this.exchange(request);
    if (response.status < 200 || response.status >= 300) throw this.statusFailure(request, response);
    return this.parseJson(request, response);
  }

  parseJson(request: UpstreamRequest, response: UpstreamResponse): unknown {
    try {
      return JSON.parse(response.body);
    } catch {
      throw new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, this.upstream, `${this.upstream} answered ${request.route} with a body that is not JSON.`, {
        upstreamStatus: response.status,
      });
    }
  }

  statusFailure(request: UpstreamRequest, response: UpstreamResponse): UpstreamError {
    const detail = upstreamMessage(response.body);
    return new UpstreamError(
      codeForUpstreamStatus(response.status),
      this.upstream,
      `${this.upstream} answered ${request.route} with ${response.status}${detail ? `: ${detail}` : ''}`,
      { upstreamStatus: response.status },
    );
  }

  transportFailure(request: UpstreamRequest, error: unknown): UpstreamError {
    if (error instanceof UpstreamError) return error;
    const reason = describeTransportError(error);
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, this.upstream, `${this.upstream} ${request.route} failed: ${reason}`, { cause: error });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Closes at once, failing whatever is still in flight. */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(`response body larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Upstream error bodies are JSON (`Message`, `message`) or plain text depending on the
 * endpoint. Keep it short: this text reaches clients.
 */
export function upstreamMessage(body: string): string {
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object') {
      const record = parsed as Record<string, unknown>;
      const message = record.Message ?? record.message ?? record.error_description ?? record.error;
      text = typeof message === 'string' ? message : '';
    }
  } catch {
    // Plain text body: use it as it is.
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function describeTransportError(error: unknown): string {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timed out';
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'connect timed out';
  if (error instanceof undiciErrors.RequestAbortedError || (error instanceof Error && error.name === 'AbortError')) {
    return 'aborted (operation deadline reached)';
  }
  if (error instanceof undiciErrors.SocketError) return 'connection closed by the upstream';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : 'unknown error';
}
