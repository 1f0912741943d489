import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { Request, RequestHandler, Response } from 'express';
import { ErrorCode } from '../../errors.js';
import { refuse } from '../respond.js';
import { sha256Hex, type TrustedDocuments } from './manifest.js';

export { loadManifest, ManifestError, parseManifest, sha256Hex, type TrustedDocument, type TrustedDocuments } from './manifest.js';

export interface TrustedDocumentOptions {
  /** The manifest of TRUSTED_DOCUMENTS_FILE; undefined when none is configured. */
  documents: TrustedDocuments | undefined;
  /** TRUSTED_DOCUMENTS_ONLY: refuse anything the manifest does not list. */
  only: boolean;
}

/** The parts of a GraphQL-over-HTTP request this middleware reads, wherever they came from. */
interface Envelope {
  query: unknown;
  documentId: unknown;
  extensions: Record<string, unknown> | undefined;
}

const DOCUMENT_ID = /^sha256:([0-9a-fA-F]{64})$/;
const HASH = /^[0-9a-fA-F]{64}$/;

/**
 * Express middleware between `express.json` and Apollo Server: resolves trusted documents,
 * enforces TRUSTED_DOCUMENTS_ONLY and refuses malformed persisted-query requests, all before
 * Apollo parses anything and so before any resolver or upstream call.
 *
 * A request can name its document three ways:
 * - `documentId: "sha256:<hex>"` (GraphQL-over-HTTP persisted documents): looked up in the manifest only;
 * - `extensions.persistedQuery {version: 1, sha256Hash}` (Apollo's APQ): a manifest id resolves to
 *   the listed body; any other hash goes on to Apollo's APQ cache, unless `only`;
 * - `query` text: with `only`, accepted when its SHA-256 is a manifest id (the exact listed text).
 *
 * Refusals (HTTP 400): PERSISTED_QUERY_NOT_IN_LIST (not listed, with `only`; or an unknown
 * `documentId`), PERSISTED_QUERY_HASH_MISMATCH (APQ hash is not the query's SHA-256),
 * PERSISTED_QUERY_NOT_SUPPORTED (`documentId` without a manifest), BAD_REQUEST (APQ version other
 * than 1, a malformed hash or `documentId`, or both `documentId` and `query`).
 * Works for POST bodies and GET query strings alike; GET stays subject to Apollo's CSRF rules.
 */
export function trustedDocuments({ documents, only }: TrustedDocumentOptions): RequestHandler {
  return (req, res, next) => {
    const envelope = readEnvelope(req);
    // Not a GraphQL request we can read (no body, a batch, broken JSON in `extensions`): Apollo
    // Server refuses those itself with 400, without running anything.
    if (!envelope) return next();
    const { query, documentId, extensions } = envelope;
    const persisted = extensions?.persistedQuery;

    if (documentId !== undefined) {
      const id = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId)?.[1]?.toLowerCase() : undefined;
      if (!id) return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, '`documentId` must be "sha256:" followed by the 64 hex digits of the document\'s SHA-256.');
      if (query !== undefined) return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, 'Send either `documentId` or `query`, not both.');
      if (!documents) return refuse(res, 400, ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'This gateway has no trusted documents list, so `documentId` cannot be resolved: send the `query` text.');
      const listed = documents.get(id);
      if (!listed) return notInList(res, 'The `documentId` is not in this gateway\'s trusted documents list.');
      return rewrite(req, next, listed.body, withoutPersistedQuery(extensions));
    }

    if (persisted !== undefined) {
      const p = persisted as { version?: unknown; sha256Hash?: unknown } | null;
      if (typeof p !== 'object' || p === null) return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, '`extensions.persistedQuery` must be an object: {"version": 1, "sha256Hash": "<hex>"}.');
      if (p.version !== 1) {
        return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, `Persisted query version ${JSON.stringify(p.version ?? null)} is not supported; this gateway supports version 1.`);
      }
      if (typeof p.sha256Hash !== 'string' || !HASH.test(p.sha256Hash)) {
        return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, '`extensions.persistedQuery.sha256Hash` must be the 64 hex digits of the query\'s SHA-256.');
      }
      const hash = p.sha256Hash.toLowerCase();
      if (typeof query === 'string' && sha256Hex(query) !== hash) {
        // Apollo Server raises this without a code (masked as INTERNAL_SERVER_ERROR in production).
        return refuse(res, 400, ErrorCode.PERSISTED_QUERY_HASH_MISMATCH, '`extensions.persistedQuery.sha256Hash` is not the SHA-256 of the `query` sent with it.');
      }
      const listed = documents?.get(hash);
      if (listed) return rewrite(req, next, listed.body, withoutPersistedQuery(extensions));
      // An unlisted hash: with `only`, neither registering it (query sent) nor running a copy
      // registered earlier in the APQ cache (hash alone) is allowed.
      if (only) return notInList(res, 'This persisted query is not in this gateway\'s trusted documents list.');
      // Apollo compares hashes as lower-case text.
      if (hash !== p.sha256Hash) return rewrite(req, next, query, { ...extensions, persistedQuery: { version: 1, sha256Hash: hash } });
      return next();
    }

    if (only && typeof query === 'string' && !documents?.has(sha256Hex(query))) {
      return notInList(res, 'This gateway runs only the documents in its trusted documents list; this query text is not one of them.');
    }
    return next();
  };
}

function notInList(res: Response, message: string): void {
  refuse(res, 400, ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, message);
}

function readEnvelope(req: Request): Envelope | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const params = searchParams(req);
    let extensions: Record<string, unknown> | undefined;
    const rawExtensions = params.get('extensions');
    if (rawExtensions !== null) {
      try {
        extensions = JSON.parse(rawExtensions) as Record<string, unknown>;
      } catch {
        return undefined;
      }
      if (typeof extensions !== 'object' || extensions === null || Array.isArray(extensions)) return undefined;
    }
    return { query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions };
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const extensions = b.extensions;
  if (extensions !== undefined && (typeof extensions !== 'object' || extensions === null || Array.isArray(extensions))) return undefined;
  return { query: b.query, documentId: b.documentId, extensions: extensions as Record<string, unknown> | undefined };
}

function searchParams(req: Request): URLSearchParams {
  const at = req.url.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : req.url.slice(at + 1));
}

/** The extensions without `persistedQuery`; undefined when nothing else is left. */
function withoutPersistedQuery(extensions: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!extensions) return undefined;
  const { persistedQuery: _dropped, ...others } = extensions;
  return Object.keys(others).length > 0 ? others : undefined;
}

/** Hands Apollo Server this text (when a string) and these extensions, in the request's own form (body or query string). */
function rewrite(req: Request, next: () => void, query: unknown, extensions: Record<string, unknown> | undefined): void {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const params = searchParams(req);
    params.delete('documentId');
    if (typeof query === 'string') params.set('query', query);
    if (extensions) params.set('extensions', JSON.stringify(extensions));
    else params.delete('extensions');
    const at = req.url.indexOf('?');
    req.url = `${at === -1 ? req.url : req.url.slice(0, at)}?${params.toString()}`;
  } else {
    const body = { ...(req.body as Record<string, unknown>) };
    delete body.documentId;
    if (typeof query === 'string') body.query = query;
    if (extensions) body.extensions = extensions;
    else delete body.extensions;
    req.body = body;
  }
  next();
}
