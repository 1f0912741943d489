import { BrokenCircuitError } from 'cockatiel';
import { errors as undiciErrors } from 'undici';
import { ErrorCode, UpstreamError, type UpstreamName, type UpstreamShapeError } from '../errors.js';
import { NoSlotError } from './concurrency/types.js';

// Every way an upstream call can fail, and the public code (shared/graph.md) each becomes.
// This is the one module that turns upstream trouble into an UpstreamError: the transport,
// the per-operation caller, the credential sources and the iQmetrix token client all come
// here, so a change of code or of wording is made once.
//
// The messages reach clients (format-error masks nothing that carries a code). Upstream
// error text is passed on shortened by `upstreamMessage`, never whole.

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

/** The upstream answered `route` with a non-2xx status. */
export function statusFailure(upstream: UpstreamName, route: string, response: { status: number; body: string }): UpstreamError {
  const detail = upstreamMessage(response.body);
  return new UpstreamError(codeForUpstreamStatus(response.status), upstream, `${upstream} answered ${route} with ${response.status}${detail ? `: ${detail}` : ''}`, {
    upstreamStatus: response.status,
  });
}

/**
 * No response came back: the circuit is open, the connection failed or timed out, or the
 * operation's deadline (or the client leaving) aborted the call. `error` is what undici,
 * cockatiel or an in-flight limiter threw, unwrapped.
 */
export function noResponseFailure(upstream: UpstreamName, route: string, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (error instanceof BrokenCircuitError) {
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} is failing; calls are suspended for a moment (circuit open).`);
  }
  return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, upstream, `${upstream} ${route} failed: ${describeTransportError(error)}`, { cause: error });
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

/** Pass-through mode and the caller sent no credential for this upstream: nothing is called. */
export function missingCredentialFailure(upstream: UpstreamName, howToSend: string): UpstreamError {
  return new UpstreamError(ErrorCode.UNAUTHENTICATED, upstream, `This field needs your ${upstream} credential: ${howToSend}.`);
}

/**
 * A token endpoint refused to grant. 400 (invalid_grant, invalid_client) and 401 mean the
 * configured credentials are wrong, which the caller can do nothing about but is still an
 * authentication failure upstream; any other status is read like a failed call.
 */
export function tokenRefusedFailure(upstream: UpstreamName, response: { status: number; body: string }): UpstreamError {
  const code = response.status === 400 || response.status === 401 ? ErrorCode.UNAUTHENTICATED : codeForUpstreamStatus(response.status);
  return new UpstreamError(code, upstream, `${upstream} token endpoint answered ${response.status}: ${upstreamMessage(response.body)}`, {
    upstreamStatus: response.status,
  });
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
 * Upstream error bodies are JSON (`Message`, `message`, OAuth's `error_description`) or plain
 * text depending on the endpoint. Kept short: this text reaches clients.
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

/** A short, bounded description of a transport error: also the retry-reason metric label. */
export function describeTransportError(error: unknown): string {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError) return 'timed out';
  if (error instanceof undiciErrors.ConnectTimeoutError) return 'connect timed out';
  // The limiter's own words: which cap was full, and that nothing was sent.
  if (error instanceof NoSlotError) return error.message;
  if (isAbort(error)) return 'aborted (operation deadline reached)';
  if (error instanceof undiciErrors.SocketError) return 'connection closed by the upstream';
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : 'unknown error';
}
