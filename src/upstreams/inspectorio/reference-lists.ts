import { UpstreamShapeError } from '../../errors.js';
import { isRecord } from '../shape.js';

/** One entry of a reference list: `key` is the stable code, `value` the label. */
export interface ReferenceEntry {
  key: string;
  value: string;
}

/** `GET /v1/relationship-types`, `GET /v1/contact-roles`: `{ data: [{ key, value }] }` (wire: InspKeyValue). */
export function toReferenceList(body: unknown): ReferenceEntry[] {
  if (!isRecord(body) || !Array.isArray(body.data)) throw new UpstreamShapeError('reference list has no `data` array');
  return body.data.map((entry: unknown) => {
    if (!isRecord(entry) || typeof entry.key !== 'string' || typeof entry.value !== 'string') throw new UpstreamShapeError('reference list entry has no string `key` and `value`');
    return { key: entry.key, value: entry.value };
  });
}
