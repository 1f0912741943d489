import { ApolloServerErrorCode } from '@apollo/server/errors';
import { parse as urlParse } from 'node:url';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode } from '../../errors.js';
import { refuse } from '../respond.js';
import { sha256Hex, type TrustedDocuments } from './manifest.js';

export { loadManifest, ManifestError, parseManifest, sha256Hex, type TrustedDocument, type TrustedDocuments } from './manifest.js';

export interface TrustedDocumentOptions {
  /** The manifest of TRUSTED_DOCUMENTS_FILE; undefined when none is configured. */
  documents: TrustedDocuments | undefined;
  /** TRUSTED_DOCUMENTS_ONLY: refuse anything the manifest does not list. */
  only: boolean;
  /** Where PERSISTED_QUERY_NOT_IN_LIST refusals are logged, at `info`; not logged without one. */
  logger?: Logger;
}

/** The parts of a GraphQL-over-HTTP request this middleware reads, wherever they came from. */
interface Envelope {
  query: string | undefined;
  documentId: unknown;
  extensions: Record<string, unknown> | undefined;
  /** What the caller named its operation, for the log of a refusal; not trusted for anything else. */
  operationName: unknown;
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
 * than 1, a malformed hash or `documentId`, or both `documentId` and `query`; with `only`, also any
 * request it cannot read as one GraphQL request: a batch, a body that is not a JSON object, a
 * non-string `query`, `extensions` that are not an object, a GET parameter given twice).
 * Works for POST bodies and GET query strings alike; GET stays subject to Apollo's CSRF rules.
 *
 * A PERSISTED_QUERY_NOT_IN_LIST refusal is logged at `info`, as the JWT and rate-limit refusals
 * are, with the document's SHA-256 (never its text) and the operation name the caller gave.
 */
export function trustedDocuments({ documents, only, logger }: TrustedDocumentOptions): RequestHandler {
  const notInList = (res: Response, envelope: Envelope, hash: string, message: string): void => {
    logger?.info({ code: ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, sha256: hash, operationName: loggedName(envelope.operationName) }, 'request refused: not a trusted document');
    refuse(res, 400, ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, message);
  };
  return (req, res, next) => {
    // Apollo Server answers any other method with 405 and runs nothing.
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return next();
    const envelope = readEnvelope(req);
    if ('unreadable' in envelope) {
      // Without `only`, Apollo Server refuses these itself with 400, without running anything.
      // With `only`, nothing this middleware has not vetted may reach Apollo: a shape it cannot
      // read is one whose document it cannot check against the list.
      if (only) return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, `${envelope.unreadable} This gateway runs only the documents in its trusted documents list.`);
      return next();
    }
    const { query, documentId, extensions } = envelope;
    const persisted = extensions?.persistedQuery;

    if (documentId !== undefined) {
      const id = typeof documentId === 'string' ? DOCUMENT_ID.exec(documentId)?.[1]?.toLowerCase() : undefined;
      if (!id) return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, '`documentId` must be "sha256:" followed by the 64 hex digits of the document\'s SHA-256.');
      if (query !== undefined) return refuse(res, 400, ApolloServerErrorCode.BAD_REQUEST, 'Send either `documentId` or `query`, not both.');
      if (!documents) return refuse(res, 400, ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED, 'This gateway has no trusted documents list, so `documentId` cannot be resolved: send the `query` text.');
      const listed = documents.get(id);
      if (!listed) return notInList(res, envelope, id, 'The `documentId` is not in this gateway\'s trusted documents list.');
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
      if (only) return notInList(res, envelope, hash, 'This persisted query is not in this gateway\'s trusted documents list.');
      // Apollo compares hashes as lower-case text.
      if (hash !== p.sha256Hash) return rewrite(req, next, query, { ...extensions, persistedQuery: { version: 1, sha256Hash: hash } });
      return next();
    }

    const queryHash = only && query !== undefined ? sha256Hex(query) : undefined;
    if (queryHash !== undefined && !documents?.has(queryHash)) {
      return notInList(res, envelope, queryHash, 'This gateway runs only the documents in its trusted documents list; this query text is not one of them.');
    }
    return next();
  };
}

/** Longest operation name logged; a caller's string, so bounded. */
const MAX_LOGGED_NAME = 100;

/** The operation name as logged: a string, cut to MAX_LOGGED_NAME characters; otherwise absent. */
function loggedName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return undefined;
  return name.length > MAX_LOGGED_NAME ? `${name.slice(0, MAX_LOGGED_NAME)}…` : name;
}

/**
 * Reads the request as Apollo Server will (the same fields, parsed the same way), or says why
 * it cannot. `extensions: null` and `query: null` in a POST body count as absent, as they do
 * for Apollo. A GET whose `query`, `documentId` or `extensions` is given twice, a body that is
 * not one JSON object (a batch, another content type), a non-string `query` and `extensions`
 * that are not an object are unreadable: Apollo refuses them too, but under `only` they are
 * refused here, so that no reading of the request this middleware did not check can run.
 */
function readEnvelope(req: Request): Envelope | { unreadable: string } {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const params = searchParams(req);
    for (const name of ['query', 'documentId', 'extensions']) {
      if (params.getAll(name).length > 1) return { unreadable: `The \`${name}\` parameter may be given only once.` };
    }
    let extensions: Record<string, unknown> | undefined;
    const rawExtensions = params.get('extensions');
    if (rawExtensions !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawExtensions);
      } catch {
        return { unreadable: 'The `extensions` parameter is not JSON.' };
      }
      // Apollo refuses `extensions=null` in a query string (it must be an object there).
      if (!isRecord(parsed)) return { unreadable: 'The `extensions` parameter must be a JSON object.' };
      extensions = parsed;
    }
    return { query: params.get('query') ?? undefined, documentId: params.get('documentId') ?? undefined, extensions, operationName: params.get('operationName') ?? undefined };
  }
  const body: unknown = req.body;
  if (!isRecord(body)) return { unreadable: 'The body must be one JSON object (`Content-Type: application/json`); batches are not accepted.' };
  const extensions = body.extensions ?? undefined;
  if (extensions !== undefined && !isRecord(extensions)) return { unreadable: '`extensions` must be an object.' };
  const query = body.query ?? undefined;
  if (query !== undefined && typeof query !== 'string') return { unreadable: '`query` must be a string.' };
  return { query, documentId: body.documentId, extensions, operationName: body.operationName };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * The query string exactly as Apollo's Express integration reads it (`url.parse(req.url).search`,
 * which ends at a `#` and escapes some characters), so that both read the same parameters.
 */
function searchParams(req: Request): URLSearchParams {
  return new URLSearchParams(urlParse(req.url).search ?? '');
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
    req.url = `${urlParse(req.url).pathname ?? ''}?${params.toString()}`;
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
