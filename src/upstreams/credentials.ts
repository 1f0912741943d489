import { createHash } from 'node:crypto';
import type { UpstreamName } from '../errors.js';
import { missingCredentialFailure } from '../http/failures.js';

/**
 * Where an upstream call gets its credential from. One per upstream per request: the
 * service's own credential, or in pass-through mode the caller's.
 */
export interface CredentialSource {
  /**
   * A stable, non-secret fingerprint of the credential. Anything cached across requests is
   * keyed by it, so data fetched with one credential is never served to another.
   */
  readonly fingerprint: string;
  /** The headers that carry the credential. Rejects with an UpstreamError when there is none. */
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /**
   * The upstream refused `rejectedHeaders` with 401. Returns true when a fresh credential was
   * obtained and the call is worth repeating once.
   */
  renew?(rejectedHeaders: Record<string, string>, signal?: AbortSignal): Promise<boolean>;
}

/** A fingerprint of a secret: safe to log and to use in cache keys. */
export function fingerprint(kind: string, secret: string): string {
  return `${kind}:${createHash('sha256').update(secret).digest('base64url').slice(0, 22)}`;
}

/** A fixed header, e.g. a configured bearer token or API key. */
export function staticCredential(kind: string, header: string, value: string): CredentialSource {
  const headers = Object.freeze({ [header]: value });
  return {
    fingerprint: fingerprint(kind, value),
    headers: () => Promise.resolve(headers),
  };
}

/**
 * Pass-through mode without the caller's credential: every field that needs this upstream
 * answers UNAUTHENTICATED, and no upstream call is made.
 */
export function missingCredential(upstream: UpstreamName, howToSend: string): CredentialSource {
  return {
    fingerprint: `${upstream}:none`,
    headers: () => Promise.reject(missingCredentialFailure(upstream, howToSend)),
  };
}

/** An upstream that needs no credential: no headers, one shared cache fingerprint. */
export const noCredential: CredentialSource = {
  fingerprint: 'none',
  headers: () => Promise.resolve({}),
};
