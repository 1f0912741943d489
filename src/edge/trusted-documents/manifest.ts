import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../config.js';

/** One operation of an Apollo persisted query manifest. */
export interface TrustedDocument {
  /** SHA-256 of `body`, 64 lower-case hex digits. */
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The exact text clients send or refer to. */
  body: string;
}

/** The trusted documents, by id. */
export type TrustedDocuments = ReadonlyMap<string, TrustedDocument>;

/** A manifest that cannot be used: a configuration problem, so the start stops with its message. */
export class ManifestError extends ConfigError {
  constructor(file: string, problem: string) {
    super([`TRUSTED_DOCUMENTS_FILE ${file}: ${problem}`]);
    this.name = 'ManifestError';
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Reads an Apollo persisted query manifest, the file `@apollo/generate-persisted-query-manifest`
 * writes (and GraphOS's persisted query lists accept):
 * `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","name","type","body"}]}`.
 *
 * Every `id` must be the SHA-256 (hex) of its `body`, as Apollo Client's persisted query link
 * computes it: an id that is not would let a client run a body under another body's name, so
 * such a file is refused whole. Throws ManifestError naming the first problem.
 */
export async function loadManifest(file: string): Promise<TrustedDocuments> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ManifestError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, `is not JSON (${(error as Error).message}).`);
  }
  return parseManifest(file, manifest);
}

export function parseManifest(file: string, manifest: unknown): TrustedDocuments {
  const m = manifest as { format?: unknown; version?: unknown; operations?: unknown } | null;
  if (typeof m !== 'object' || m === null || m.format !== 'apollo-persisted-query-manifest') {
    throw new ManifestError(file, 'is not an Apollo persisted query manifest ("format": "apollo-persisted-query-manifest" expected).');
  }
  if (m.version !== 1) throw new ManifestError(file, `has manifest version ${JSON.stringify(m.version)}; version 1 is supported.`);
  if (!Array.isArray(m.operations)) throw new ManifestError(file, '"operations" must be an array.');
  const documents = new Map<string, TrustedDocument>();
  m.operations.forEach((entry: unknown, i: number) => {
    const op = entry as Partial<Record<keyof TrustedDocument, unknown>> | null;
    const at = `operations[${i}]`;
    if (typeof op !== 'object' || op === null) throw new ManifestError(file, `${at} must be an object.`);
    if (typeof op.body !== 'string' || op.body.trim() === '') throw new ManifestError(file, `${at}.body must be the operation's text.`);
    if (typeof op.id !== 'string' || !/^[0-9a-f]{64}$/.test(op.id)) throw new ManifestError(file, `${at}.id must be 64 lower-case hex digits (the SHA-256 of the body).`);
    if (op.id !== sha256Hex(op.body)) throw new ManifestError(file, `${at}.id is not the SHA-256 of its body.`);
    if (op.type !== 'query' && op.type !== 'mutation' && op.type !== 'subscription') throw new ManifestError(file, `${at}.type must be query, mutation or subscription.`);
    documents.set(op.id, { id: op.id, name: typeof op.name === 'string' ? op.name : '', type: op.type, body: op.body });
  });
  return documents;
}
