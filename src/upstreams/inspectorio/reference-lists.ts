import { invalidValue } from '../../domain/checked.js';
import { UpstreamShapeError } from '../../errors.js';
import { isRecord } from '../shape.js';
import { INSPECTORIO_NAME } from './name.js';

/** One entry of a reference list: `key` is the stable code, `value` the label. */
export interface ReferenceEntry {
  key: string;
  value: string;
}

/**
 * `GET /v1/relationship-types`, `GET /v1/contact-roles`: `{ data: [{ key, value }] }` (wire:
 * InspKeyValue). A body without its `data` array fails the call; one entry without a string
 * `key` and `value` is left out (and logged once, through invalidValue, which also keeps such an
 * answer out of the read cache), so one odd entry does not cost every reader the whole list.
 */
export function toReferenceList(body: unknown): ReferenceEntry[] {
  if (!isRecord(body) || !Array.isArray(body.data)) throw new UpstreamShapeError('reference list has no `data` array');
  const entries: ReferenceEntry[] = [];
  for (const entry of body.data as unknown[]) {
    if (isRecord(entry) && typeof entry.key === 'string' && typeof entry.value === 'string') entries.push({ key: entry.key, value: entry.value });
    else invalidValue(INSPECTORIO_NAME, 'data[]', entry, 'is not a reference entry with a string `key` and `value` (left out)');
  }
  return entries;
}
