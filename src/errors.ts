import { GraphQLError } from 'graphql';

/** The `extensions.code` values of the public contract (shared/graph.md). Clients switch on these. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_RATE_LIMITED: 'UPSTREAM_RATE_LIMITED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  // Whole requests refused at the edge, before any resolver runs (src/edge, src/plugins/limits).
  // Each comes with the HTTP status named here.
  /** 400: the operation nests deeper than MAX_DEPTH. */
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  /** 400: the operation costs more than MAX_COST. */
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  /** 400: the operation has more aliases than MAX_ALIASES. */
  ALIAS_LIMIT_EXCEEDED: 'ALIAS_LIMIT_EXCEEDED',
  /** 400: the document has more tokens than MAX_TOKENS. */
  TOKEN_LIMIT_EXCEEDED: 'TOKEN_LIMIT_EXCEEDED',
  /** 400: with TRUSTED_DOCUMENTS_ONLY, a document (text or hash) that the manifest does not list; or a `documentId` it does not list. */
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  /** 400: an automatic persisted query whose `sha256Hash` is not the SHA-256 of the query sent with it. */
  PERSISTED_QUERY_HASH_MISMATCH: 'PERSISTED_QUERY_HASH_MISMATCH',
  /** 429: this client sent more than RATE_LIMIT_PER_MINUTE requests in the current minute; see `Retry-After`. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An upstream's name, as its definition gives it (src/upstreams/<name>/definition.ts): `iqmetrix`, `inspectorio`, or an added one's. */
export type UpstreamName = string;

export function badUserInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...extensions } });
}

export function notFound(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND, ...extensions } });
}

/**
 * A failed upstream call, already translated to the public codes. Thrown by the transport
 * only; resolvers let it propagate so that GraphQL nulls just the fields that depend on it.
 * `upstreamStatus` is absent when no response came back (timeout, reset, open circuit).
 * Never put anything under `extensions.http`: Apollo Server would take it as the status of
 * the whole response.
 */
export class UpstreamError extends GraphQLError {
  readonly code: ErrorCode;
  readonly upstream: UpstreamName;
  readonly upstreamStatus: number | undefined;

  constructor(
    code: ErrorCode,
    upstream: UpstreamName,
    message: string,
    options: { upstreamStatus?: number | undefined; cause?: unknown } = {},
  ) {
    const extensions: Record<string, unknown> = { code, upstream };
    if (options.upstreamStatus !== undefined) extensions.upstreamStatus = options.upstreamStatus;
    super(message, { extensions, originalError: options.cause instanceof Error ? options.cause : undefined });
    this.name = 'UpstreamError';
    this.code = code;
    this.upstream = upstream;
    this.upstreamStatus = options.upstreamStatus;
  }
}

/** Thrown by wire→domain mapping when an upstream body does not have the documented shape. */
export class UpstreamShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamShapeError';
  }
}
