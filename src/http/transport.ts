import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, CircuitState, ExponentialBackoff, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy, type IBackoff } from 'cockatiel';
import { errors as undiciErrors, type Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { ErrorCode, UpstreamError, codeForUpstreamStatus, type UpstreamName } from '../errors.js';
import { CallerContextPool } from './caller-context-pool.js';
import { RetryBudget } from './retry-budget.js';

// The one way the gateway talks to an upstream. Upstream clients describe a request
// (route, path, headers); this runs it on a keep-alive pool behind a circuit breaker and a
// retry policy, and turns every failure into an UpstreamError carrying a public code, once.
//
// Libraries: undici's Pool gives keep-alive, the timeouts and the in-flight cap (its
// `connections` limit queues what is beyond it); cockatiel gives the circuit breaker and the
// jittered exponential backoff. The retry loop itself is ours because cockatiel's and
// undici's retry both wait out their backoff regardless of the operation's deadline, and
// neither can ask a shared retry budget before retrying.

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
  /** Retries of one idempotent call at most (0 turns retrying off). */
  maxRetries: number;
  /** First backoff delay; later ones grow exponentially, with jitter. */
  retryBaseDelayMs: number;
  /** Longest backoff delay, and longest wait an upstream's rate-limit headers may impose. */
  retryMaxDelayMs: number;
  /** Retries may be at most this share of recent requests… */
  retryBudgetRatio: number;
  /** …or this many per second, whichever is more. */
  retryBudgetMinPerSecond: number;
  /** Share of failed calls (5xx, no response) over the window that opens the circuit (0–1, exclusive). */
  breakerThreshold: number;
  /** The sliding window the share is measured over. */
  breakerWindowMs: number;
  /** Calls the window must hold before the share counts: a few failures alone never open it. */
  breakerMinCalls: number;
  /** How long an open circuit fails fast before one probe is let through. */
  breakerHalfOpenAfterMs: number;
}

export const DEFAULT_TRANSPORT_SETTINGS: Omit<TransportSettings, 'url' | 'maxInFlight'> = {
  connectTimeoutMs: 2_000,
  headersTimeoutMs: 8_000,
  bodyTimeoutMs: 8_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxRetries: 2,
  retryBaseDelayMs: 50,
  retryMaxDelayMs: 2_000,
  retryBudgetRatio: 0.2,
  retryBudgetMinPerSecond: 5,
  breakerThreshold: 0.5,
  breakerWindowMs: 10_000,
  breakerMinCalls: 10,
  breakerHalfOpenAfterMs: 5_000,
};

export interface UpstreamRequest {
  /** Route name, the path template: `GET /Companies({id})`. Used for metrics and logs. */
  route: string;
  /** Path and query, appended to the base URL's path. */
  path: string;
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Aborts the call: the operation's deadline, or the client going away. */
  signal?: AbortSignal | undefined;
  /** When the operation's deadline falls (epoch ms): no retry waits past it. */
  deadline?: number | undefined;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What the transport reports, for metrics and logs. Every member is optional. */
export interface TransportObserver {
  /**
   * An HTTP attempt is about to go out (the breaker let it through). Called in the caller's
   * async context, so a tracer can parent a span on the operation's. The function it returns,
   * if any, is called once when that attempt ends. `attempt` is 0 for the first try, 1 for
   * the first retry; `url` is the full request URL, query included.
   */
  onAttemptStart?(event: AttemptInfo): AttemptEnd | void;
  /**
   * Headers to add to the attempt's request (the request's own win): correlation such as
   * `x-request-id`. Called in the caller's async context.
   */
  requestHeaders?(event: AttemptInfo): Record<string, string> | undefined;
  /**
   * Wraps the attempt: must call `run` once and return what it returns. Tracing runs the
   * attempt in an OpenTelemetry context that names the route, for the undici instrumentation.
   */
  aroundAttempt?<T>(event: AttemptInfo, run: () => Promise<T>): Promise<T>;
  /** One HTTP attempt ended; `status` is undefined when no response came back. */
  onAttempt?(event: { upstream: UpstreamName; route: string; status: number | undefined; durationMs: number; retry: boolean }): void;
  /** A retry was scheduled (`reason` is the status or error kind). */
  onRetry?(event: { upstream: UpstreamName; route: string; reason: string; delayMs: number }): void;
  /** A retry was wanted but the retry budget was spent. */
  onRetryBudgetExhausted?(event: { upstream: UpstreamName; route: string }): void;
  onBreakerStateChange?(event: { upstream: UpstreamName; state: BreakerState }): void;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** One HTTP attempt: `attempt` is 0 for the first try, 1 for the first retry; `url` is the full request URL, query included. */
export interface AttemptInfo {
  upstream: UpstreamName;
  route: string;
  method: string;
  url: string;
  attempt: number;
}

/** How one HTTP attempt ended (see TransportObserver.onAttemptStart). */
export type AttemptEnd = (event: { status: number | undefined; error?: unknown }) => void;

type Outcome = { response: UpstreamResponse; error?: undefined } | { error: unknown; response?: undefined };

export class UpstreamTransport {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly budget: RetryBudget;
  private readonly backoff: ExponentialBackoff<unknown>;

  constructor(
    readonly upstream: UpstreamName,
    private readonly settings: TransportSettings,
    private readonly observer: TransportObserver = {},
  ) {
    const base = new URL(settings.url);
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    // Requests start in their caller's async context even when they wait in the pool's queue:
    // trace parents and the request id depend on it (see caller-context-pool.ts).
    this.pool = new CallerContextPool(base.origin, {
      connections: settings.maxInFlight,
      pipelining: 1,
      connect: { timeout: settings.connectTimeoutMs },
      headersTimeout: settings.headersTimeoutMs,
      bodyTimeout: settings.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
    });
    // Only the upstream's own trouble counts against it: 5xx and no response at all. A 4xx
    // is a valid answer, and an aborted call is our deadline, not the upstream's fault.
    // It opens on the share of failures over a window, not on a run of consecutive ones: at
    // hundreds of calls a second, five failures in a row happen by chance at a 20 % error
    // rate, and opening then would turn a partial outage into a total one.
    this.breaker = circuitBreaker(
      handleWhen((error) => !isAbort(error)).orWhenResult((r) => (r as UpstreamResponse).status >= 500),
      {
        halfOpenAfter: settings.breakerHalfOpenAfterMs,
        breaker: new SamplingBreaker({
          threshold: settings.breakerThreshold,
          duration: settings.breakerWindowMs,
          minimumRps: settings.breakerMinCalls / (settings.breakerWindowMs / 1000),
        }),
      },
    );
    this.breaker.onStateChange((state) => this.observer.onBreakerStateChange?.({ upstream, state: breakerStateName(state) }));
    this.budget = new RetryBudget(settings.retryBudgetRatio, settings.retryBudgetMinPerSecond);
    this.backoff = new ExponentialBackoff({ initialDelay: settings.retryBaseDelayMs, maxDelay: settings.retryMaxDelayMs });
  }

  /** The base URL every request path is appended to. */
  get baseUrl(): string {
    return this.origin + this.basePath;
  }

  get breakerState(): BreakerState {
    return breakerStateName(this.breaker.state);
  }

  /**
   * One logical exchange: resolves with whatever status the upstream finally gave, after
   * retrying what is worth retrying; rejects with an UpstreamError when no response came back
   * (or the circuit is open).
   */
  async exchange(request: UpstreamRequest): Promise<UpstreamResponse> {
    const idempotent = (request.method ?? 'GET') === 'GET';
    this.budget.recordRequest();
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(request, attempt);
      const reason = idempotent && attempt < this.settings.maxRetries ? retryReason(outcome) : undefined;
      if (reason === undefined) return settle(outcome, this, request);

      backoff = backoff ? backoff.next(undefined) : this.backoff.next();
      const delayMs = Math.max(backoff.duration, outcome.response ? requestedDelayMs(outcome.response) : 0);
      const timeLeft = (request.deadline ?? Infinity) - Date.now();
      // A wait the deadline would cut short is no use: answer now with what we have.
      if (delayMs > this.settings.retryMaxDelayMs || delayMs >= timeLeft || request.signal?.aborted) return settle(outcome, this, request);
      if (!this.budget.tryRetry()) {
        this.observer.onRetryBudgetExhausted?.({ upstream: this.upstream, route: request.route });
        return settle(outcome, this, request);
      }
      this.observer.onRetry?.({ upstream: this.upstream, route: request.route, reason, delayMs });
      try {
        await sleep(delayMs, undefined, { signal: request.signal });
      } catch {
        return settle(outcome, this, request);
      }
    }
  }

  /** One HTTP attempt through the breaker. Never rejects: the outcome says what happened. */
  private async attempt(request: UpstreamRequest, attemptNo: number): Promise<Outcome> {
    const retry = attemptNo > 0;
    const started = performance.now();
    try {
      const response = await this.breaker.execute(() => this.observedExchange(request, attemptNo));
      this.observer.onAttempt?.({ upstream: this.upstream, route: request.route, status: response.status, durationMs: performance.now() - started, retry });
      return { response };
    } catch (error) {
      if (!(error instanceof BrokenCircuitError)) {
        this.observer.onAttempt?.({ upstream: this.upstream, route: request.route, status: undefined, durationMs: performance.now() - started, retry });
      }
      return { error };
    }
  }

  /**
   * exchangeOnce with the observer's headers added, wrapped in its aroundAttempt, and
   * bracketed by its onAttemptStart and the end callback that returns.
   */
  private async observedExchange(request: UpstreamRequest, attemptNo: number): Promise<UpstreamResponse> {
    const info: AttemptInfo = { upstream: this.upstream, route: request.route, method: request.method ?? 'GET', url: this.baseUrl + request.path, attempt: attemptNo };
    const added = this.observer.requestHeaders?.(info);
    const sent = added ? { ...request, headers: { ...added, ...request.headers } } : request;
    const around = this.observer.aroundAttempt?.bind(this.observer);
    const exchange = () => (around ? around(info, () => this.exchangeOnce(sent)) : this.exchangeOnce(sent));
    const end = this.observer.onAttemptStart?.(info);
    if (!end) return exchange();
    try {
      const response = await exchange();
      end({ status: response.status });
      return response;
    } catch (error) {
      end({ status: undefined, error });
      throw error;
    }
  }

  /**
   * One HTTP exchange. Rejects with undici's own error, unwrapped: the breaker and the retry
   * policy look at it (an abort is our deadline, not the upstream's failure), and `settle`
   * turns it into an UpstreamError once the policies are done with it.
   */
  private async exchangeOnce(request: UpstreamRequest): Promise<UpstreamResponse> {
    const response = await this.pool.request({
      method: request.method ?? 'GET',
      path: this.basePath + request.path,
      headers: request.headers,
      body: request.body ?? null,
      signal: request.signal,
    });
    const body = await readBody(response.body, this.settings.maxBodyBytes);
    return { status: response.statusCode, headers: response.headers, body };
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
    if (error instanceof BrokenCircuitError) {
      return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, this.upstream, `${this.upstream} is failing; calls are suspended for a moment (circuit open).`);
    }
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

function settle(outcome: Outcome, transport: UpstreamTransport, request: UpstreamRequest): UpstreamResponse {
  if (outcome.response) return outcome.response;
  throw transport.transportFailure(request, outcome.error);
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Why an outcome is worth another attempt, or undefined when it is not. */
function retryReason(outcome: Outcome): string | undefined {
  if (outcome.response) return RETRYABLE_STATUS.has(outcome.response.status) ? String(outcome.response.status) : undefined;
  const error = outcome.error;
  // An open circuit is the point of failing fast; an abort is the deadline.
  if (error instanceof BrokenCircuitError || isAbort(error)) return undefined;
  return describeTransportError(error);
}

/**
 * The wait an upstream asked for: `Retry-After` (seconds or an HTTP date) or, on a 429,
 * iQmetrix's `X-RateLimit-ResetSeconds` (it sends no Retry-After, and sends the rate-limit
 * headers on every response, so they mean "wait" only on a 429). 0 when none applies.
 */
export function requestedDelayMs({ status, headers }: Pick<UpstreamResponse, 'status' | 'headers'>): number {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const retryAfter = first('retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  if (status !== 429) return 0;
  const resetSeconds = Number(first('x-ratelimit-resetseconds'));
  return Number.isFinite(resetSeconds) && resetSeconds > 0 ? resetSeconds * 1000 : 0;
}

/** Our own doing: the operation's deadline (a TimeoutError from AbortSignal.timeout) or an abort. */
function isAbort(error: unknown): boolean {
  if (error instanceof undiciErrors.RequestAbortedError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function breakerStateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Isolated:
      return 'isolated';
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
  if (isAbort(error)) return 'aborted (operation deadline reached)';
  if (error instanceof undiciErrors.SocketError) return 'connection closed by the upstream';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : 'unknown error';
}
