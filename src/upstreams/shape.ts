import { UpstreamShapeError } from '../errors.js';

// Small guards for reading upstream JSON without trusting it: `isRecord` for the built-in
// mappings (their single values are read lazily by ./values.ts), `require*` for an added
// upstream's mapping that wants a value or a shape error.

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
