import { STATUS_CODES } from 'node:http';
import { BrokenCircuitError } from 'cockatiel';
import { errors as undiciErrors } from 'undici';
import { ErrorCode, UpstreamError, type UpstreamName, type UpstreamShapeError } from '../errors.js';
import { NoSlotError } from './concurrency/types.js';

// Every way an upstream call can fail, and the public code (shared/graph.md) each becomes.
// This is the one module that turns upstream trouble into an UpstreamError: the transport,
// the per-operation caller, the credential sources and the iQmetrix token client all come
// here, so a change of code or of wording is made once.
//
// The messages reach clients (format-error masks nothing that carries a code), in production
// and development alike. So no message quotes an upstream's body: they are made of the
// upstream's name, the route, the status and its reason phrase, and our own words.

/** The public code for an upstream HTTP status that is not a success. */
export function codeForUpstreamStatus(status: number): ErrorCode {
  if (status === 401) return ErrorCode.UNAUTHENTICATED;
  if (status === 403) return ErrorCode.FORBIDDEN;
  if (status === 404) return ErrorCode.NOT_FOUND;
  if (status === 429) return ErrorCode.UPSTREAM_RATE_LIMITED;
  // A 400/409/422 means the gateway built a request the upstream would not take: that is
  // our bug or an upstream contract change, not something the client can fix, so it is
  // reported as the upstream being unusable rather than as bad user input.
  return ErrorCode.UPSTREAM_UNAVAILABLE;
}

/**
 * The upstream answered `route` with a non-2xx status. The message names the upstream, the
 * route, the status and its reason phrase (node:http's STATUS_CODES), and nothing of the body:
 * an error body is the upstream's or a proxy's text, which may name internal hosts or echo a
 * credential. The transport logs a redacted excerpt of it instead (UpstreamTransport.reportErrorBody).
 */
export function statusFailure(upstream: UpstreamName, route: string, response: { status: number }): UpstreamError {
  return new UpstreamError(codeForUpstreamStatus(response.status), upstream, `${upstream} answered ${route} with ${statusLine(response.status)}.`, {
    upstreamStatus: response.status,
  });
}

/** `502 Bad Gateway`; the bare number for a status without a standard reason phrase. */
export function statusLine(status: number): string {
  const reason = STATUS_CODES[status];
  return reason ? `${status} ${reason}` : String(status);
}

/**
 * No response came back: the circuit is open, the connection failed or timed out, or the
 * operation's deadline (or the client leaving) aborted the call. `error` is what undici,
 * cockatiel or an in-flight limiter threw, unwrapped. `ownCircuit`: the route has a circuit of
 * its own (the route table's `breaker`), so an open one suspends that route, not the upstream.
 */
export function noResponseFailure(upstream: UpstreamName, route: string, error: unknown, { ownCircuit = false }: { ownCircuit?: boolean } = {}): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof UnreadableBodyError) return unreadableBodyFailure(upstream, route, error);
  if (error instanceof BrokenCircuitError) {
    const failing = ownCircuit ? `${upstream} ${route} is failing; calls to it are` : `${upstream} is failing; calls are`;
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${failing} suspended for a moment (circuit open).`);
  }
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} ${route} failed: ${describeTransportError(error)}`, { cause: error });
}

/**
 * An answer whose body cannot be read as its headers describe it: a Content-Encoding no standard
 * client decodes (or this runtime cannot: zstd before Node.js 22.15), a stream that does not
 * decode, or more than the size limit once decoded. The transport throws it while reading;
 * it is the upstream's doing, so it counts against the upstream's circuit, but it is never
 * retried: the same request gets the same bytes back. `why` completes "answered … with".
 */
export class UnreadableBodyError extends Error {
  override readonly name = 'UnreadableBodyError';
  constructor(
    /** The status of the answer whose body this was. */
    readonly status: number,
    /** `a body that could not be decoded (gzip)`: our words, safe for a client message. */
    readonly why: string,
    options?: ErrorOptions,
  ) {
    super(why, options);
  }
}

/** The client-facing failure for an UnreadableBodyError: upstream, route, what was wrong with the body, and the status. */
export function unreadableBodyFailure(upstream: UpstreamName, route: string, error: UnreadableBodyError): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} answered ${route} with ${error.why}.`, { upstreamStatus: error.status, cause: error });
}

/** A 2xx whose body is not JSON. */
export function notJsonFailure(upstream: UpstreamName, route: string, status: number): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} answered ${route} with a body that is not JSON.`, { upstreamStatus: status });
}

/** A 2xx JSON body that the route's wire→domain mapping refused. */
export function shapeFailure(upstream: UpstreamName, route: string, status: number, error: UpstreamShapeError): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} answered ${route} with an unexpected shape: ${error.message}`, {
    upstreamStatus: status,
    cause: error,
  });
}

/**
 * An upstream value the graph cannot represent (an id beyond GraphQL Int, a malformed date),
 * standing in for it: src/domain/checked.ts carries it lazily in the value's place, and a field
 * that shows the value fails with it. The message names the upstream, the field and why.
 */
export class InvalidUpstreamValue extends UpstreamError {
  constructor(
    upstream: UpstreamName,
    /** The upstream's own field name, e.g. `CompanyId`, `target.type`. */
    readonly field: string,
    reason: string,
  ) {
    super(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} sent a \`${field}\` that ${reason}.`);
    this.name = 'InvalidUpstreamValue';
  }

  /** Records the status of the answer that held the value (`extensions.upstreamStatus`, as on every failure that had a response). */
  answeredWith(status: number): void {
    (this as { upstreamStatus: number | undefined }).upstreamStatus = status;
    this.extensions.upstreamStatus = status;
  }
}

/** The stand-in for one unreadable upstream value (use `invalidValue` in src/domain/checked.ts, which also logs it). */
export function invalidValueFailure(upstream: UpstreamName, field: string, reason: string): InvalidUpstreamValue {
  return new InvalidUpstreamValue(upstream, field, reason);
}

/**
 * A paged read stopped at its page bound before the upstream's `total` was reached: what the
 * remaining pages held is unknown, so the keys not yet seen fail rather than read as "none".
 */
export function pagingBoundFailure(upstream: UpstreamName, route: string, pagesRead: number): UpstreamError {
  return new UpstreamError(
    ErrorCode.UPSTREAM_UNAVAILABLE,
    upstream,
    `${upstream} ${route} had more than the ${pagesRead} pages read for one call; these keys were not among them, so whether they exist is unknown.`,
  );
}

/** Pass-through mode and the caller sent no credential for this upstream: nothing is called. */
export function missingCredentialFailure(upstream: UpstreamName, howToSend: string): UpstreamError {
  return new UpstreamError(ErrorCode.UNAUTHENTICATED, upstream, `This field needs your ${upstream} credential: ${howToSend}.`);
}

/**
 * A token endpoint refused to grant. 400 (invalid_grant, invalid_client) and 401 mean the
 * configured credentials are wrong, which the caller can do nothing about but is still an
 * authentication failure upstream; any other status is read like a failed call. Of the body,
 * only OAuth's registered `error` code (RFC 6749 §5.2, a closed list) is named: its
 * `error_description` is free text and stays in the log (reportErrorBody).
 */
export function tokenRefusedFailure(upstream: UpstreamName, route: string, response: { status: number; body: string }): UpstreamError {
  const code = response.status === 400 || response.status === 401 ? ErrorCode.UNAUTHENTICATED : codeForUpstreamStatus(response.status);
  const oauthError = oauthErrorCode(response.body);
  return new UpstreamError(code, upstream, `${upstream} answered ${route} with ${statusLine(response.status)}${oauthError ? ` (${oauthError})` : ''}.`, {
    upstreamStatus: response.status,
  });
}

const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

function oauthErrorCode(body: string): string | undefined {
  try {
    const error = (JSON.parse(body) as { error?: unknown } | null)?.error;
    return typeof error === 'string' && OAUTH_ERRORS.has(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

/** A token endpoint answered 200 without a usable token. */
export function tokenMalformedFailure(upstream: UpstreamName, status: number): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} token endpoint answered without an access_token and a positive expires_in`, {
    upstreamStatus: status,
  });
}

/** This operation stopped waiting for a token that others are still waiting for. */
export function tokenNotReadyFailure(upstream: UpstreamName): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `the ${upstream} token was not ready before this operation ended (deadline reached or client gone)`);
}

/**
 * Our own doing: the operation's deadline (a TimeoutError from AbortSignal.timeout), an abort,
 * or an in-flight limiter giving up its wait at either (NoSlotError, src/http/concurrency):
 * never the upstream's failure, never worth a retry.
 */
export function isAbort(error: unknown): boolean {
  if (error instanceof undiciErrors.RequestAbortedError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError' || name === 'NoSlotError';
}

/**
 * Which of our own reasons ended a call: the operation's signal aborts with a TimeoutError at its
 * deadline (AbortSignal.timeout) and with an AbortError when its client went away
 * (src/graph/create-context.ts); undici's own RequestAbortedError does not say which.
 */
function abortDescription(error: unknown): string {
  if (error instanceof undiciErrors.RequestAbortedError) return 'aborted (operation deadline reached or client gone)';
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') return 'aborted (operation deadline reached)';
  return 'aborted (the client went away)';
}

/** A short, bounded description of a transport error: also the retry-reason metric label. */
export function describeTransportError(error: unknown): string {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timed out';
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'connect timed out';
  // The limiter's own words: which cap was full, and that nothing was sent.
  if (error instanceof NoSlotError) return error.message;
  if (error instanceof UnreadableBodyError) return 'unreadable body';
  if (isAbort(error)) return abortDescription(error);
  if (error instanceof undiciErrors.SocketError) return 'connection closed by the upstream';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : 'unknown error';
}
