import type { UpstreamName } from '../errors.js';
import { InvalidUpstreamValue, invalidValueFailure } from '../http/failures.js';
import { bodyExcerpt, configuredSecrets } from '../http/redact.js';
import { logger } from '../logger.js';

// Lazy validation of upstream values. One odd value in one record (an id beyond GraphQL Int,
// a malformed date, a number where a string belongs) must not fail the page, the list or the
// batch it came in: only the fields that show that value. So the wire→domain mapping does not
// throw for such a value; it puts an InvalidUpstreamValue in its place. That value is an Error,
// and graphql-js completes a field whose resolved value is an Error as a field error at that
// field's path (graphql/execution/execute.js, completeValue: "If result is an Error, throw a
// located error"), for list items too. So a resolver that just returns the domain value needs
// no check at all, and the non-null rules decide how far the null reaches, as for any error.
//
// A resolver that computes with a value (an id to load by, to encode, to compare) unwraps it
// with `valid()`, which throws the carried error: the type `Checked<T>` makes that unavoidable.
//
// The error itself (its code and wording) is made in src/http/failures.ts, with every other upstream failure.

export { InvalidUpstreamValue };

/** A value read from an upstream: the value itself, or why it could not be read. */
export type Checked<T> = T | InvalidUpstreamValue;

export function isInvalid(value: unknown): value is InvalidUpstreamValue {
  return value instanceof InvalidUpstreamValue;
}

/** The value itself; throws the carried error (UPSTREAM_UNAVAILABLE at the calling field's path) when it is invalid. */
export function valid<T>(value: Checked<T>): T {
  if (value instanceof InvalidUpstreamValue) throw value;
  return value;
}

/** The values made during the current `collectInvalidValues` call, if one is running. */
let collecting: InvalidUpstreamValue[] | undefined;

/**
 * Runs a (synchronous) wire→domain mapping and says which unreadable values it made, so that
 * the caller can stamp them with the answer's status and leave such a body out of the cache
 * (a glitch must not be served again for the cache's whole lifetime).
 */
export function collectInvalidValues<T>(map: () => T): { value: T; invalid: InvalidUpstreamValue[] } {
  const outer = collecting;
  const invalid: InvalidUpstreamValue[] = [];
  collecting = invalid;
  try {
    return { value: map(), invalid };
  } finally {
    collecting = outer;
    outer?.push(...invalid);
  }
}

/** Operators should hear of each odd value, but a value repeated on every request must not flood the log. */
const reported = new Set<string>();
const MAX_REPORTED = 1_000;

/**
 * Builds the stand-in for a bad value and logs it at warn level (once per upstream, field and
 * value while the process runs). `raw` goes to the log only, shortened, never to clients.
 */
export function invalidValue(upstream: UpstreamName, field: string, raw: unknown, reason: string): InvalidUpstreamValue {
  const shown = describeRaw(raw);
  const key = `${upstream}\u0000${field}\u0000${shown}`;
  if (!reported.has(key)) {
    if (reported.size >= MAX_REPORTED) reported.clear();
    reported.add(key);
    logger.warn({ upstream, field, value: shown }, `upstream value not representable: ${reason}`);
  }
  const value = invalidValueFailure(upstream, field, reason);
  collecting?.push(value);
  return value;
}

/** Reports a value this gateway reads forward-compatibly (an enum value it does not know yet), once per value. */
export function reportUnknownValue(upstream: UpstreamName, field: string, raw: unknown, mappedTo: string): void {
  const shown = describeRaw(raw);
  const key = `${upstream}\u0000${field}\u0000${shown}\u0000unknown`;
  if (reported.has(key)) return;
  if (reported.size >= MAX_REPORTED) reported.clear();
  reported.add(key);
  logger.warn({ upstream, field, value: shown, mappedTo }, 'upstream sent a value this gateway does not know; answered as a forward-compatible value');
}

/**
 * The raw value for the log: short, and with every configured credential (in any spelling) and
 * anything shaped like a credential redacted (an upstream may echo one in any field).
 */
function describeRaw(raw: unknown): string {
  const text = bodyExcerpt(raw === undefined ? 'undefined' : (JSON.stringify(raw) ?? String(raw)), configuredSecrets());
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
