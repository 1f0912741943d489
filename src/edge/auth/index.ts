import type { Request, RequestHandler } from 'express';
import { errors as joseErrors, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import { ErrorCode } from '../../errors.js';
import { refuse } from '../respond.js';
import { JWT_ALGORITHMS, type JwtAuthSettings } from '../settings.js';
import { JwksUnavailableError, resilientJwks } from './jwks.js';

/** Who is calling, once a gateway JWT has been verified. Kept on `res.locals.caller`. */
export interface Caller {
  /** The token's `iss` (one of AUTH_JWT_ISSUER). */
  issuer: string;
  /** The token's `sub`. */
  subject: string;
}

/** The verified caller of this request, if it sent a valid gateway JWT. */
export function callerOf(locals: Record<string, unknown>): Caller | undefined {
  return locals.caller as Caller | undefined;
}

/** Reasons a token is refused, from jose's error codes; anything else is the gateway failing to verify (503). */
const REFUSALS: Record<string, string> = {
  [joseErrors.JWTExpired.code]: 'The token has expired.',
  [joseErrors.JOSEAlgNotAllowed.code]: `The token's signature algorithm is not accepted (accepted: ${JWT_ALGORITHMS.join(', ')}).`,
  [joseErrors.JWSInvalid.code]: 'The token is malformed.',
  [joseErrors.JWTInvalid.code]: 'The token is malformed.',
  [joseErrors.JOSENotSupported.code]: 'The token uses a feature this gateway does not support.',
  [joseErrors.JWKSNoMatchingKey.code]: 'The token is signed by a key this gateway does not know.',
  [joseErrors.JWKSMultipleMatchingKeys.code]: 'The token does not say which key signed it (no `kid`), and several keys could have.',
  [joseErrors.JWSSignatureVerificationFailed.code]: 'The token\'s signature is not valid.',
};

const CLAIM_REFUSALS: Record<string, string> = {
  iss: 'The token was issued by an issuer this gateway does not accept.',
  aud: 'The token is meant for another audience.',
  nbf: 'The token is not valid yet.',
  iat: 'The token\'s issue time (`iat`) is not valid.',
};

export interface JwtAuthentication {
  middleware: RequestHandler;
}

/**
 * Checks the gateway JWT (`Bearer <jwt>` in `settings.header`) with jose against the keys at
 * AUTH_JWKS_URL: signature (RS256 or ES256 only, never `none`), `iss`, `aud`, `exp` (required),
 * `nbf`, and a `sub` (required: it keys the rate limit).
 *
 * - No token: HTTP 401 when `required`, else the request goes on anonymously.
 * - Any token that fails a check: HTTP 401, `UNAUTHENTICATED`, `WWW-Authenticate: Bearer
 *   error="invalid_token"` (RFC 6750 §3), whether or not tokens are required.
 * - The key set cannot be fetched and no keys were fetched before: HTTP 503, `UPSTREAM_UNAVAILABLE`.
 *   Once some keys have been fetched, an outage of the identity provider does not fail requests:
 *   tokens are verified with the keys fetched last (src/edge/auth/jwks.ts, stale-if-error, with
 *   a backoff between fetch attempts).
 *
 * Keys are fetched on first use and cached (`jwksMaxAgeMs`); a token whose `kid` is not among
 * them triggers a refetch, at most one per `jwksCooldownMs` (jose's cooldown), so that tokens
 * with made-up kids cannot make the gateway hammer the identity provider. A key published
 * before it signs anything (as identity providers rotate) is picked up by that refetch.
 *
 * Once verified, the header is deleted from the request: nothing after this point (upstream
 * clients, logs, traces) can see the token. Refusals are logged at `info` with the reason only.
 */
export function jwtAuthentication(settings: JwtAuthSettings, logger: Logger): JwtAuthentication {
  const keys = resilientJwks(settings.jwksUrl, { cooldownMs: settings.jwksCooldownMs, maxAgeMs: settings.jwksMaxAgeMs, timeoutMs: 5_000 }, logger);
  const challenge = 'Bearer realm="graphql"';

  const middleware: RequestHandler = (req, res, next) => {
    const sent = headerValue(req, settings.header);
    const unauthenticated = (message: string, error?: string) => {
      logger.info({ reason: message, header: settings.header }, 'request refused: not authenticated');
      const value = error ? `${challenge}, error="${error}", error_description="${message.replace(/["\\]/g, '')}"` : challenge;
      refuse(res, 401, ErrorCode.UNAUTHENTICATED, message, { 'www-authenticate': value });
    };
    if (sent === undefined) {
      // A GET without an operation runs nothing: it is the landing page (LANDING_PAGE), or
      // Apollo's own 400. The page is static; the operations it sends carry their token.
      if (settings.required && !runsNothing(req)) return unauthenticated(`This gateway needs a token: send \`${displayName(settings.header)}: Bearer <JWT>\`.`);
      return next();
    }
    const token = /^Bearer +([^\s]+) *$/i.exec(sent)?.[1];
    if (!token) return unauthenticated(`The ${displayName(settings.header)} header must be \`Bearer <JWT>\`.`, 'invalid_request');

    jwtVerify(token, keys, {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: [...JWT_ALGORITHMS],
      clockTolerance: settings.clockToleranceSeconds,
      requiredClaims: ['exp', 'sub'],
    }).then(
      ({ payload }) => {
        delete req.headers[settings.header];
        res.locals.caller = { issuer: payload.iss!, subject: payload.sub! } satisfies Caller;
        next();
      },
      (error: unknown) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (error instanceof joseErrors.JWTClaimValidationFailed) {
          if (error.reason === 'missing') return unauthenticated(`The token has no \`${error.claim}\` claim; this gateway requires one.`, 'invalid_token');
          return unauthenticated(CLAIM_REFUSALS[error.claim] ?? `The token's \`${error.claim}\` claim is not accepted.`, 'invalid_token');
        }
        // jose checks claim types with plain TypeErrors ('"aud" claim must be a string…').
        if (error instanceof TypeError && /claim/.test(error.message)) return unauthenticated('The token\'s claims are malformed.', 'invalid_token');
        const reason = typeof code === 'string' ? REFUSALS[code] : undefined;
        if (reason) return unauthenticated(reason, 'invalid_token');
        // The key set is unreachable, slow or broken, and no keys were ever fetched: our side, not
        // the caller's. (jwks.ts has logged the fetch failure; this is at most one line per request.)
        const backingOff = error instanceof JwksUnavailableError;
        logger[backingOff ? 'debug' : 'warn']({ err: { name: (error as Error)?.name, message: (error as Error)?.message, code } }, 'cannot verify tokens: the key set at AUTH_JWKS_URL failed');
        const retryAfter = backingOff ? Math.max(1, Math.ceil(error.retryInMs / 1000)) : 5;
        refuse(res, 503, ErrorCode.UPSTREAM_UNAVAILABLE, 'The gateway cannot check tokens right now (its key set is unavailable). Try again shortly.', { 'retry-after': String(retryAfter) });
      },
    );
  };
  return { middleware };
}

function runsNothing(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const at = req.url.indexOf('?');
  const params = new URLSearchParams(at === -1 ? '' : req.url.slice(at + 1));
  return !params.has('query') && !params.has('extensions') && !params.has('documentId');
}

function headerValue(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  if (Array.isArray(value)) return value.join(', ');
  return value === undefined || value === '' ? undefined : value;
}

function displayName(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
