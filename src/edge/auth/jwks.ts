import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, type JWSHeaderParameters, type FlattenedJWSInput, type CryptoKey } from 'jose';
import type { Logger } from 'pino';

/** Errors that are about the token (its `kid`, its algorithm), not about the key set being reachable. */
const TOKEN_FAULTS = new Set<string>([
  joseErrors.JWKSNoMatchingKey.code,
  joseErrors.JWKSMultipleMatchingKeys.code,
  joseErrors.JOSENotSupported.code,
  joseErrors.JOSEAlgNotAllowed.code,
]);

/** The longest wait between two attempts to fetch a failing key set, in ms (unless the cooldown is longer). */
export const JWKS_MAX_BACKOFF_MS = 60_000;

/** Thrown while the key set has never been fetched and the gateway is backing off after a failure. */
export class JwksUnavailableError extends Error {
  readonly code = 'ERR_GATEWAY_JWKS_UNAVAILABLE';
  constructor(readonly retryInMs: number) {
    super(`the key set could not be fetched; next attempt in ${retryInMs} ms`);
    this.name = 'JwksUnavailableError';
  }
}

export interface ResilientJwksOptions {
  /** AUTH_JWKS_COOLDOWN_MS: least time between refetches for unknown `kid`s; also the first backoff after a failed fetch. */
  cooldownMs: number;
  /** AUTH_JWKS_MAX_AGE_MS: how long fetched keys are used before the key set is fetched again. */
  maxAgeMs: number;
  /** Per-fetch timeout, in ms. */
  timeoutMs: number;
  /** For tests: the clock, in ms. */
  now?: () => number;
}

export type KeyResolver = ((header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>) & {
  /** Consecutive failed fetches so far (0 once one succeeds). */
  readonly failures: number;
};

/**
 * jose's remote key set, made to survive an identity-provider outage (stale-if-error):
 *
 * - jose refetches once keys are older than `maxAgeMs` and throws when that fetch fails, although
 *   it still holds the keys it fetched last. Here, a failed fetch falls back to those keys, so a
 *   token signed by a key the gateway already knows keeps verifying while the provider is down.
 * - After a failed fetch no request fetches again for a backoff: `cooldownMs`, doubling with each
 *   consecutive failure up to max(`cooldownMs`, 60 s). Meanwhile the last good keys are used as
 *   they are; before any fetch has succeeded, requests fail at once with JwksUnavailableError
 *   (the caller answers 503) instead of each starting a fetch of its own.
 * - The first fetch that succeeds replaces the keys and ends the backoff.
 *
 * Errors that are the token's fault (no key with its `kid`, an unsupported algorithm) pass through
 * unchanged; everything else from the remote set (network, timeout, non-200, invalid JSON) is an
 * outage.
 */
export function resilientJwks(url: string, options: ResilientJwksOptions, logger: Logger): KeyResolver {
  const now = options.now ?? Date.now;
  const remote = createRemoteJWKSet(new URL(url), { cooldownDuration: options.cooldownMs, cacheMaxAge: options.maxAgeMs, timeoutDuration: options.timeoutMs });
  let failures = 0;
  let retryAt = 0;
  /** The keys jose held when fetching last failed; rebuilt on the first failure after a success. */
  let stale: ReturnType<typeof createLocalJWKSet> | undefined;

  const heldKeys = () => {
    if (stale) return stale;
    const held = remote.jwks();
    stale = held ? createLocalJWKSet(held) : undefined;
    return stale;
  };

  const resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (now() < retryAt) {
      const keys = heldKeys();
      if (keys) return keys(header, token);
      throw new JwksUnavailableError(retryAt - now());
    }
    try {
      const key = await remote(header, token);
      if (failures > 0) logger.info({ failures }, 'JWKS at AUTH_JWKS_URL is reachable again');
      failures = 0;
      stale = undefined;
      return key;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (typeof code === 'string' && TOKEN_FAULTS.has(code)) throw error;
      // Concurrent requests share jose's one pending fetch: count its failure once.
      if (now() >= retryAt) {
        failures += 1;
        const backoff = Math.min(options.cooldownMs * 2 ** (failures - 1), Math.max(options.cooldownMs, JWKS_MAX_BACKOFF_MS));
        retryAt = now() + backoff;
        const keys = heldKeys();
        logger.warn(
          { err: { name: (error as Error)?.name, message: (error as Error)?.message, code }, failures, retryInMs: backoff, usingStaleKeys: keys !== undefined },
          keys ? 'cannot fetch the JWKS at AUTH_JWKS_URL: verifying with the keys fetched last' : 'cannot fetch the JWKS at AUTH_JWKS_URL, and no keys were fetched before',
        );
      }
      const keys = heldKeys();
      if (keys) return keys(header, token);
      throw error;
    }
  };
  return Object.defineProperty(resolve, 'failures', { get: () => failures, enumerable: true }) as KeyResolver;
}
