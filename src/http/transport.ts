import { setTimeout as sleep } from 'node:timers/promises';
import { BrokenCircuitError, CircuitState, ExponentialBackoff, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy, type IBackoff } from 'cockatiel';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { errors as undiciErrors, type Dispatcher, type Pool } from 'undici';
import type { UpstreamName } from '../errors.js';
import type { InFlightLimiter, Release } from './concurrency/types.js';
import { LocalSemaphore } from './concurrency/local.js';
import { describeTransportError, isAbort, noResponseFailure, notJsonFailure, UnreadableBodyError } from './failures.js';
import type { BreakerSettings, RequestPolicy, TransportHooks } from './policy.js';
import { CallerContextPool } from './caller-context-pool.js';
import { bodyExcerpt, requestSecrets } from './redact.js';
import { untilAborted } from './abort.js';
import { RetryBudget } from './retry-budget.js';

// The one way the gateway talks to an upstream. Upstream clients describe a request
// (route, path, headers); this runs it on a keep-alive pool behind a circuit breaker and a
// retry policy. It answers with whatever status the upstream finally gave (the caller,
// src/upstreams/call.ts, maps a non-2xx one), and turns a call that got no response (an open
// circuit, a connection failure, a timeout, the deadline) into an UpstreamError carrying a
// public code (the codes themselves: ./failures.ts). It knows no upstream: what differs per route or per
// upstream (timeouts, retries, a route's own circuit or share of the cap, a rate-limit
// header) it asks of the TransportHooks the route table provides (./policy.ts).
//
// Libraries: undici's Pool gives keep-alive, the timeouts and the in-flight cap (its
// `connections` limit queues what is beyond it); cockatiel gives the circuit breaker and the
// jittered exponential backoff. The retry loop itself is ours because cockatiel's and
// undici's retry both wait out their backoff regardless of the operation's deadline, and
// neither can ask a shared retry budget before retrying.

export interface TransportSettings {
  /** Base URL; its path (e.g. `/v1`) is prefixed to every request path. */
  url: string;
  /**
   * Connections per upstream = requests in flight at most from this process; the pool queues
   * the rest. With a limiter in the hooks (the Redis-shared cap, src/http/concurrency), that
   * limiter also holds the cap across replicas, and route shares are taken of this number.
   */
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
  /**
   * A circuit changed state: the upstream's, or (with `route`) the route's own circuit
   * (TransportHooks.breaker), which /readyz does not count.
   */
  onBreakerStateChange?(event: { upstream: UpstreamName; route?: string; state: BreakerState }): void;
  /**
   * A call failed with this non-2xx answer. `bodyExcerpt` is a bounded excerpt of its body with
   * every credential taken out (./redact.ts): for the log only, never for a client message.
   */
  onErrorBody?(event: { upstream: UpstreamName; route: string; status: number; bodyExcerpt: string }): void;
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

/** The transport's own hooks type: policies see the request and the response as the transport does. */
export type UpstreamHooks = TransportHooks<UpstreamRequest, UpstreamResponse>;

/** The default in-flight cap: the pool's `connections` limit does the capping and the queueing. */
function poolLimiter(limit: number): InFlightLimiter {
  const release: Release = () => {};
  return { mode: 'local', limit, acquire: () => Promise.resolve(release) };
}

export class UpstreamTransport {
  private readonly pool: Pool;
  /** Configured credentials (every upstream's): never in a logged excerpt, even when an upstream echoes one. */
  private readonly secrets: readonly string[];
  private readonly origin: string;
  private readonly basePath: string;
  private readonly breaker: CircuitBreakerPolicy;
  /** Circuits of routes that have their own (TransportHooks.breaker), by route name. */
  private readonly routeBreakers = new Map<string, CircuitBreakerPolicy | null>();
  /** Each capped route's share of the in-flight cap, by route name: one semaphore per route, whatever shares its requests ask. */
  private readonly routeShares = new Map<string, LocalSemaphore>();
  private readonly budget: RetryBudget;
  private readonly limiter: InFlightLimiter;

  constructor(
    readonly upstream: UpstreamName,
    private readonly settings: TransportSettings,
    private readonly observer: TransportObserver = {},
    private readonly hooks: UpstreamHooks = {},
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
    this.secrets = hooks.secrets ?? [];
    this.breaker = this.createBreaker(settings);
    this.breaker.onStateChange((state) => this.observer.onBreakerStateChange?.({ upstream, state: breakerStateName(state) }));
    this.budget = new RetryBudget(settings.retryBudgetRatio, settings.retryBudgetMinPerSecond);
    this.limiter = hooks.limiter ?? poolLimiter(settings.maxInFlight);
  }

  // Only the upstream's own trouble counts against it: 5xx, no response at all, and a body that
  // cannot be read (UnreadableBodyError: bytes that do not decode are the upstream's, or its
  // proxy's, doing). A 4xx is a valid answer, and an aborted call is our deadline, not the upstream's fault.
  // It opens on the share of failures over a window, not on a run of consecutive ones: at
  // hundreds of calls a second, five failures in a row happen by chance at a 20 % error
  // rate, and opening then would turn a partial outage into a total one.
  private createBreaker(settings: BreakerSettings): CircuitBreakerPolicy {
    return circuitBreaker(
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
  }

  /** The route's own circuit when the route table gives it one, else the upstream's. */
  private breakerFor(route: string): CircuitBreakerPolicy {
    let own = this.routeBreakers.get(route);
    if (own === undefined) {
      const overrides = this.hooks.breaker?.(route);
      own = overrides ? this.createBreaker({ ...this.settings, ...overrides }) : null;
      own?.onStateChange((state) => this.observer.onBreakerStateChange?.({ upstream: this.upstream, route, state: breakerStateName(state) }));
      this.routeBreakers.set(route, own);
    }
    return own ?? this.breaker;
  }

  /** The base URL every request path is appended to. */
  get baseUrl(): string {
    return this.origin + this.basePath;
  }

  /** The upstream's circuit (routes with a circuit of their own are not in it). */
  get breakerState(): BreakerState {
    return breakerStateName(this.breaker.state);
  }

  /**
   * The state of a route's own circuit, or undefined when the route shares the upstream's (or
   * has not been called yet). For tests and diagnostics: metrics and logs hear of its changes
   * through the observer's onBreakerStateChange.
   */
  routeBreakerState(route: string): BreakerState | undefined {
    const own = this.routeBreakers.get(route);
    return own ? breakerStateName(own.state) : undefined;
  }

  /**
   * One logical exchange: resolves with whatever status the upstream finally gave, after
   * retrying what is worth retrying; rejects with an UpstreamError when no response came back
   * (or the circuit is open).
   */
  async exchange(request: UpstreamRequest): Promise<UpstreamResponse> {
    const policy = this.hooks.policy?.(request) ?? {};
    const maxRetries = policy.maxRetries ?? this.settings.maxRetries;
    const maxDelayMs = policy.retryMaxDelayMs ?? this.settings.retryMaxDelayMs;
    const idempotent = (request.method ?? 'GET') === 'GET';
    this.budget.recordRequest();
    let backoff: IBackoff<unknown> | undefined;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(request, policy, attempt);
      const reason = idempotent && attempt < maxRetries ? retryReason(outcome) : undefined;
      if (reason === undefined) return this.settle(outcome, request);

      backoff = backoff
        ? backoff.next(undefined)
        : new ExponentialBackoff({ initialDelay: policy.retryBaseDelayMs ?? this.settings.retryBaseDelayMs, maxDelay: maxDelayMs }).next();
      const delayMs = Math.max(backoff.duration, outcome.response ? this.requestedDelayMs(outcome.response) : 0);
      const timeLeft = (request.deadline ?? Infinity) - Date.now();
      // A wait the deadline would cut short is no use: answer now with what we have.
      if (delayMs > maxDelayMs || delayMs >= timeLeft || request.signal?.aborted) return this.settle(outcome, request);
      if (!this.budget.tryRetry()) {
        this.observer.onRetryBudgetExhausted?.({ upstream: this.upstream, route: request.route });
        return this.settle(outcome, request);
      }
      this.observer.onRetry?.({ upstream: this.upstream, route: request.route, reason, delayMs });
      try {
        await sleep(delayMs, undefined, { signal: request.signal });
      } catch {
        return this.settle(outcome, request);
      }
    }
  }

  /**
   * The wait a response asks for before a retry: the standard `Retry-After` (seconds or an
   * HTTP date), or the upstream's own header through the retryDelayMs hook. 0 when none.
   */
  private requestedDelayMs(response: UpstreamResponse): number {
    return retryAfterMs(response.headers) ?? this.hooks.retryDelayMs?.(response) ?? 0;
  }

  /** One HTTP attempt through the breaker. Never rejects: the outcome says what happened. */
  private async attempt(request: UpstreamRequest, policy: RequestPolicy, attemptNo: number): Promise<Outcome> {
    const retry = attemptNo > 0;
    const started = performance.now();
    try {
      const response = await this.breakerFor(request.route).execute(() => this.observedExchange(request, policy, attemptNo));
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
  private async observedExchange(request: UpstreamRequest, policy: RequestPolicy, attemptNo: number): Promise<UpstreamResponse> {
    const info: AttemptInfo = { upstream: this.upstream, route: request.route, method: request.method ?? 'GET', url: this.baseUrl + request.path, attempt: attemptNo };
    const added = this.observer.requestHeaders?.(info);
    const sent = added ? { ...request, headers: { ...added, ...request.headers } } : request;
    const around = this.observer.aroundAttempt?.bind(this.observer);
    const exchange = () => (around ? around(info, () => this.exchangeOnce(sent, policy)) : this.exchangeOnce(sent, policy));
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
   * One HTTP exchange, holding a slot of the route's share (if it has one) and of the
   * upstream's cap while it runs. Rejects with undici's (or the limiter's) own error,
   * unwrapped: the breaker and the retry policy look at it (an abort is our deadline, not the
   * upstream's failure), and `settle` turns it into an UpstreamError once they are done.
   */
  private async exchangeOnce(request: UpstreamRequest, policy: RequestPolicy): Promise<UpstreamResponse> {
    const releases: Release[] = [];
    try {
      // The route's share first: a route at its share waits without holding a slot of the cap.
      const share = this.shareOf(request.route, policy.inFlightShare);
      if (share) releases.push(await share.acquire(request.signal, request.deadline));
      releases.push(await this.limiter.acquire(request.signal, request.deadline));
      // undici notices an abort only once a queued request reaches a connection (its
      // RequestHandler keeps the reason until onConnect), so a call waiting in the pool's queue
      // behind requests that hang would outlive its operation's deadline by as long as they
      // hang. The request left behind fails at once when it reaches a connection, before
      // anything is sent; one that got its answer in the same instant has its body dropped.
      const response = await untilAborted(
        this.pool.request({
          method: request.method ?? 'GET',
          path: this.basePath + request.path,
          headers: request.headers,
          body: request.body ?? null,
          signal: request.signal,
          headersTimeout: policy.headersTimeoutMs ?? this.settings.headersTimeoutMs,
          bodyTimeout: policy.bodyTimeoutMs ?? this.settings.bodyTimeoutMs,
        }),
        request.signal,
        { onAbandoned: (late) => late.body.destroy() },
      );
      try {
        const body = await readBody(response.body, response.headers['content-encoding'], this.settings.maxBodyBytes, response.statusCode);
        return { status: response.statusCode, headers: response.headers, body };
      } catch (error) {
        // An error answer says what it has to say in its status; its body only goes to the log.
        // So a non-2xx answer whose body cannot be read is still that answer (a 404 stays NOT_FOUND,
        // a 503 is retried as a 503), with no body to log.
        if (error instanceof UnreadableBodyError && (response.statusCode < 200 || response.statusCode >= 300)) {
          return { status: response.statusCode, headers: response.headers, body: '' };
        }
        throw error;
      }
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /**
   * The semaphore of a route's share of the cap; undefined when this request may use the whole
   * cap. One per route: a policy function that gives different shares moves the route's limit
   * to this request's share (lowering it takes no slot back, it only holds new requests until
   * the route is under it), so the route never gets a second set of slots.
   */
  private shareOf(route: string, share: number | undefined): LocalSemaphore | undefined {
    if (share === undefined || share >= 1) return undefined;
    const limit = Math.max(1, Math.floor(share * this.settings.maxInFlight));
    let semaphore = this.routeShares.get(route);
    if (!semaphore) this.routeShares.set(route, (semaphore = new LocalSemaphore(limit, `${this.upstream} ${route}`)));
    else if (semaphore.limit !== limit) semaphore.setLimit(limit);
    return semaphore;
  }

  /**
   * Logs (through the observer) a bounded excerpt of a failed call's body, with the request's
   * own credentials, the configured secrets and anything shaped like a credential redacted.
   * Call it once per failed call, when its non-2xx answer is final (or its 2xx body unreadable).
   */
  reportErrorBody(request: Pick<UpstreamRequest, 'route'> & Partial<Pick<UpstreamRequest, 'headers' | 'body'>>, response: Pick<UpstreamResponse, 'status' | 'body'>): void {
    if (!this.observer.onErrorBody || response.body.length === 0) return;
    const excerpt = bodyExcerpt(response.body, [...this.secrets, ...requestSecrets(request.headers, request.body, this.hooks.credentialHeaders)]);
    this.observer.onErrorBody({ upstream: this.upstream, route: request.route, status: response.status, bodyExcerpt: excerpt });
  }

  /** The body as JSON; a body that is not (a proxy's login page, a cut answer) is UPSTREAM_UNAVAILABLE, its excerpt logged. */
  parseJson(request: Pick<UpstreamRequest, 'route'> & Partial<Pick<UpstreamRequest, 'headers' | 'body'>>, response: UpstreamResponse): unknown {
    try {
      return JSON.parse(response.body);
    } catch {
      this.reportErrorBody(request, response);
      throw notJsonFailure(this.upstream, request.route, response.status);
    }
  }

  private settle(outcome: Outcome, request: UpstreamRequest): UpstreamResponse {
    if (outcome.response) return outcome.response;
    throw noResponseFailure(this.upstream, request.route, outcome.error, { ownCircuit: Boolean(this.routeBreakers.get(request.route)) });
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Closes at once, failing whatever is still in flight. */
  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** Why an outcome is worth another attempt, or undefined when it is not. */
function retryReason(outcome: Outcome): string | undefined {
  if (outcome.response) return RETRYABLE_STATUS.has(outcome.response.status) ? String(outcome.response.status) : undefined;
  const error = outcome.error;
  // An open circuit is the point of failing fast; an abort is the deadline; a body that cannot be
  // read (an unknown coding, a corrupt stream, past the size limit) would come back the same.
  if (error instanceof BrokenCircuitError || isAbort(error) || error instanceof UnreadableBodyError) return undefined;
  return describeTransportError(error);
}

/** `Retry-After` in ms (seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(headers: UpstreamResponse['headers']): number | undefined {
  const value = headers['retry-after'];
  const retryAfter = Array.isArray(value) ? value[0] : value;
  if (retryAfter === undefined) return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
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

/**
 * The body as text, read the way standard clients read it (fetch's `json()`, undici's
 * `body.json()`): decoded from its Content-Encoding, which a proxy in front of an upstream may
 * apply whatever the request asked for (DECODERS: what undici's fetch decodes, with Node's own
 * zlib streams as it does); then UTF-8 whatever the charset parameter says, a leading byte-order
 * mark dropped (TextDecoder does both), invalid sequences replaced rather than refused. Error
 * answers are read the same way: their excerpt goes to the log. `maxBytes` bounds the decoded
 * body, so a small compressed body cannot inflate past it.
 *
 * Throws UnreadableBodyError (never retried) for a coding that cannot be decoded, a stream that
 * does not decode, or a body past `maxBytes`; undici's own errors (a body timeout, the socket
 * closing, an abort) pass through as they are: those are a failed exchange, worth a retry.
 */
async function readBody(body: Dispatcher.ResponseData['body'], contentEncoding: string | string[] | undefined, maxBytes: number, status: number): Promise<string> {
  const { stream: decoded, codings } = decode(body, contentEncoding, status);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of decoded) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        decoded.destroy();
        body.destroy();
        throw new UnreadableBodyError(status, `a body larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof UnreadableBodyError || codings.length === 0 || error instanceof undiciErrors.UndiciError || isAbort(error)) throw error;
    // Anything else came out of a decoder (zlib's Z_DATA_ERROR, brotli's ERR__ERROR_FORMAT_…).
    throw new UnreadableBodyError(status, `a body that could not be decoded (${codings.join(', ')})`, { cause: error });
  }
  return UTF8.decode(Buffer.concat(chunks));
}

const UTF8 = new TextDecoder('utf-8');

// As undici's fetch: flush what has been decoded at the end of the stream instead of insisting
// on a complete one, so that a body whose gzip trailer or last block is missing is read as far
// as it goes (JSON.parse then says whether that was enough).
const LENIENT_ZLIB: zlib.ZlibOptions = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const LENIENT_BROTLI: zlib.BrotliOptions = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** zstd decompression, where this runtime's zlib has it (Node.js 22.15 and later); undefined before. */
const createZstdDecompress = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;

/**
 * `deflate` as fetch reads it: zlib-wrapped (RFC 1950), as the HTTP RFC says, or raw (RFC 1951),
 * as some servers send it. The first byte tells them apart, as in undici's fetch: a zlib header's
 * low four bits are 8, its compression method.
 */
class InflateEither extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.inner) {
      if (chunk.length === 0) return callback();
      const inner = (this.inner = (chunk[0]! & 0x0f) === 0x08 ? zlib.createInflate(LENIENT_ZLIB) : zlib.createInflateRaw(LENIENT_ZLIB));
      inner.on('data', (data: Buffer) => this.push(data));
      inner.on('error', (error) => this.destroy(error));
    }
    this.inner.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.inner) return callback();
    this.inner.once('end', () => callback());
    this.inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }
}

const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
  gzip: () => zlib.createGunzip(LENIENT_ZLIB),
  'x-gzip': () => zlib.createGunzip(LENIENT_ZLIB),
  br: () => zlib.createBrotliDecompress(LENIENT_BROTLI),
  deflate: () => new InflateEither(),
  ...(createZstdDecompress ? { zstd: () => createZstdDecompress() } : {}),
};

/**
 * The body with its content codings undone, last applied first (RFC 9110 §8.4), and the codings
 * (for the message when decoding fails). A coding this runtime cannot decode is an
 * UnreadableBodyError: the bytes are not the representation.
 */
function decode(body: Readable, contentEncoding: string | string[] | undefined, status: number): { stream: Readable; codings: string[] } {
  const codings = (Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? ''))
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return { stream: body, codings };
  const decoders = [...codings].reverse().map((coding) => {
    const decoder = DECODERS[coding];
    if (!decoder) {
      // Nothing reads this body any more: its destruction's error must not go unheard.
      body.on('error', () => {});
      body.destroy();
      throw new UnreadableBodyError(status, unsupportedCoding(coding));
    }
    return decoder();
  });
  // pipeline destroys every stage when one fails (a corrupt stream, the caller's abort), and
  // the last stage then errors, which ends the read above.
  return { stream: pipeline([body, ...decoders], () => {}) as unknown as Readable, codings };
}

/** Our words for a coding not decoded here; the upstream's header value is named only when it looks like a coding (the message reaches clients). */
function unsupportedCoding(coding: string): string {
  if (coding === 'zstd') return 'a body in Content-Encoding zstd, which this Node.js runtime cannot decode (it needs Node.js 22.15 or later)';
  return /^[a-z0-9-]{1,20}$/.test(coding) ? `a body in an unsupported Content-Encoding (${coding})` : 'a body in an unsupported Content-Encoding';
}
