import { INSPECTORIO_MAX_EXTERNAL_IDS } from './definition.js';

// Inspectorio's externalId filter, as the gateway batches it: at most
// INSPECTORIO_MAX_EXTERNAL_IDS ids per call (INFERRED limit), and short enough URLs.

/** Longest `externalId=` value per call, encoded: well under the 8 KB many proxies allow per request line. */
export const MAX_EXTERNAL_ID_QUERY_LENGTH = 4_000;

/**
 * Splits ids into the calls that fetch them: each at most INSPECTORIO_MAX_EXTERNAL_IDS ids and
 * MAX_EXTERNAL_ID_QUERY_LENGTH encoded characters (ids are long strings at worst). Order is
 * kept; an id longer than the bound on its own still gets a call of its own.
 */
export function chunkExternalIds(externalIds: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let length = 0;
  for (const id of externalIds) {
    const encoded = encodeURIComponent(id).length + 1;
    if (chunk.length > 0 && (chunk.length === INSPECTORIO_MAX_EXTERNAL_IDS || length + encoded > MAX_EXTERNAL_ID_QUERY_LENGTH)) {
      chunks.push(chunk);
      chunk = [];
      length = 0;
    }
    chunk.push(id);
    length += encoded;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
