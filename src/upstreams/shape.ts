import { UpstreamShapeError } from '../errors.js';

// Small guards for reading upstream JSON without trusting it.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireInt(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new UpstreamShapeError(`\`${key}\` is not an integer`);
  return value;
}

export function requireString(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  if (typeof value !== 'string') throw new UpstreamShapeError(`\`${key}\` is not a string`);
  return value;
}

/** A string, or null when absent or null. Any other type is a shape error. */
export function optionalString(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new UpstreamShapeError(`\`${key}\` is not a string`);
  return value;
}
