/** Settings of the edge in front of /graphql (src/config.ts reads them; README "Security"). */
export interface EdgeSettings {
  trustedDocuments: TrustedDocumentsSettings;
  /** JWT authentication of callers; undefined when AUTH_JWKS_URL is unset. */
  auth: JwtAuthSettings | undefined;
  rateLimit: RateLimitSettings;
  /** Serve `_service { sdl }` (SERVICE_SDL, default true): routers compose the supergraph from it. */
  serviceSdl: boolean;
  /**
   * Which proxies in front of the gateway to believe about the client's address
   * (`X-Forwarded-For`), as Express's `trust proxy` takes it: a number of hops, or addresses,
   * subnets and the names `loopback`, `linklocal`, `uniquelocal` (TRUST_PROXY). Undefined: none,
   * the client is the connection's peer.
   */
  trustProxy: number | string[] | undefined;
}

export interface TrustedDocumentsSettings {
  /** Path of an Apollo persisted query manifest (TRUSTED_DOCUMENTS_FILE). */
  file: string | undefined;
  /** Refuse every document the manifest does not list (TRUSTED_DOCUMENTS_ONLY). */
  only: boolean;
}

export interface JwtAuthSettings {
  /** Where the signing keys are published (AUTH_JWKS_URL). */
  jwksUrl: string;
  /** Accepted `iss` values (AUTH_JWT_ISSUER, comma-separated). */
  issuer: string[];
  /** Accepted `aud` values (AUTH_JWT_AUDIENCE, comma-separated); a token must name one of them. */
  audience: string[];
  /** Refuse requests without a token (AUTH_REQUIRED); otherwise a token is checked when one is sent. */
  required: boolean;
  /**
   * The request header (lower case) that carries `Bearer <jwt>`: `authorization`, or
   * `x-gateway-authorization` with AUTH_MODE=passthrough, where `authorization` carries the
   * caller's iQmetrix token.
   */
  header: string;
  /** Least time between two JWKS fetches caused by unknown `kid`s, in ms (AUTH_JWKS_COOLDOWN_MS). */
  jwksCooldownMs: number;
  /** How long fetched keys are used before the JWKS is fetched again, in ms (AUTH_JWKS_MAX_AGE_MS). */
  jwksMaxAgeMs: number;
  /** Leeway for `exp` and `nbf` against clock skew, in seconds (AUTH_JWT_CLOCK_TOLERANCE_SECONDS). */
  clockToleranceSeconds: number;
}

export interface RateLimitSettings {
  /** Requests per client per minute; 0 turns the limit off (RATE_LIMIT_PER_MINUTE). */
  perMinute: number;
  /** Shared count for every replica (REDIS_URL); unset: per process. */
  redisUrl: string | undefined;
  /**
   * rate-limiter-flexible's `keyPrefix`: CACHE_KEY_PREFIX then `:rl` (`gw:rl`); the library adds
   * its own `:` before each client key, so Redis keys read `gw:rl:ip:203.0.113.7`.
   */
  keyPrefix: string;
}

/** The signature algorithms accepted for gateway JWTs. `none` and the HMAC family are never accepted. */
export const JWT_ALGORITHMS = ['RS256', 'ES256'] as const;

/** The header that carries the gateway JWT in pass-through mode. */
export const PASSTHROUGH_JWT_HEADER = 'x-gateway-authorization';
