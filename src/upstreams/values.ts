import { invalidValue, type Checked } from '../domain/checked.js';
import type { UpstreamName } from '../errors.js';
import { GRAPHQL_INT_MAX, GRAPHQL_INT_MIN, isIdKey } from '../graph/ids.js';
import { isRecord } from './shape.js';

// Readers of single upstream values that never throw: a value that is missing, of the wrong
// type or out of range comes back as an InvalidUpstreamValue in its place (src/domain/checked.ts),
// so that only the fields showing it fail. Every range rule is the graph's own: what a GraphQL
// Int can hold, what an id this server issues can hold (src/graph/ids.ts), what DateTime accepts.

export { GRAPHQL_INT_MAX, GRAPHQL_INT_MIN };

/** An upstream id: a positive integer that a GraphQL Int holds, the same rule `decodeId` applies to the ids it accepts back. */
export function readId(upstream: UpstreamName, record: Record<string, unknown>, key: string, field = key): Checked<number> {
  const value = record[key];
  if (isIdKey(value)) return value;
  return invalidValue(upstream, field, value, value === undefined || value === null ? 'is missing' : 'is not a positive 32-bit integer');
}

/** A whole number a GraphQL Int holds, or null when absent. */
export function readOptionalInt(upstream: UpstreamName, record: Record<string, unknown>, key: string, field = key): Checked<number | null> {
  const value = record[key];
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' && Number.isInteger(value) && value >= GRAPHQL_INT_MIN && value <= GRAPHQL_INT_MAX) return value;
  return invalidValue(upstream, field, value, 'is not a 32-bit integer');
}

export function readString(upstream: UpstreamName, record: Record<string, unknown>, key: string, field = key): Checked<string> {
  const value = record[key];
  if (typeof value === 'string') return value;
  return invalidValue(upstream, field, value, value === undefined || value === null ? 'is missing' : 'is not a string');
}

/** A string, or null when absent or null. */
export function readOptionalString(upstream: UpstreamName, record: Record<string, unknown>, key: string, field = key): Checked<string | null> {
  const value = record[key];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return invalidValue(upstream, field, value, 'is not a string');
}

// ISO-8601 with a zone; iQmetrix writes 3 or 7 fractional digits, which Date cannot hold
// (it keeps milliseconds), so the upstream's string is kept as written once it is valid.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 date-time with a zone, normalized to UTC (`Z`) with its fractional digits as written; null when absent or empty. */
export function readOptionalDateTime(upstream: UpstreamName, record: Record<string, unknown>, key: string, field = key): Checked<string | null> {
  const value = record[key];
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    return invalidValue(upstream, field, value, 'is not an ISO-8601 date-time with a zone');
  }
  return toUtc(value);
}

export function readDateTime(upstream: UpstreamName, record: Record<string, unknown>, key: string, field = key): Checked<string> {
  const value = readOptionalDateTime(upstream, record, key, field);
  return value === null ? invalidValue(upstream, field, record[key], 'is missing') : value;
}

/** Normalizes an offset to `Z`, keeping the fractional digits as written. */
function toUtc(value: string): string {
  if (value.endsWith('Z')) return value;
  const fraction = /\.(\d+)/.exec(value)?.[1];
  const iso = new Date(value).toISOString();
  return fraction ? iso.replace(/\.\d{3}Z$/, `.${fraction}Z`) : iso.replace(/\.000Z$/, 'Z');
}

/**
 * A free-form JSON object (custom fields, attributes): `absent` when missing or null, an
 * InvalidUpstreamValue when it is anything but an object (an array, a string).
 */
export function readJsonObject<A>(upstream: UpstreamName, record: Record<string, unknown>, key: string, absent: A, field = key): Checked<Record<string, unknown> | A> {
  const value = record[key];
  if (value === null || value === undefined) return absent;
  return isRecord(value) ? value : invalidValue(upstream, field, value, 'is not a JSON object');
}

/** An object-valued member, mapped; an InvalidUpstreamValue when it is not an object. */
export function readObject<T>(upstream: UpstreamName, value: unknown, field: string, map: (record: Record<string, unknown>) => T): Checked<T> {
  return isRecord(value) ? map(value) : invalidValue(upstream, field, value, value === undefined || value === null ? 'is missing' : 'is not an object');
}
