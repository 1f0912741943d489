import type { UpstreamResponse } from '../../http/transport.js';
import { callerHeader, defineUpstream } from '../definition.js';
import { toCompany, toPartnerRelationshipPage } from './mapping.js';
import { IQMETRIX_NAME } from './name.js';
import { toTokenGrant } from './token-grant.js';

// iQmetrix Entity Manager (shared/upstreams/iqmetrix-entity-manager.md): every route the
// gateway calls, all documented. Paths are relative to IQMETRIX_URL, which includes `/v1`;
// the token route's to IQMETRIX_ACCOUNTS_URL. The simulator routes on these same builders.

/** `$top` ranges 0–100 upstream; the gateway never asks for more in one call. */
export const IQMETRIX_MAX_TOP = 100;

export const IQMETRIX = defineUpstream({
  name: IQMETRIX_NAME,
  settings: {
    url: 'IQMETRIX_URL',
    maxInFlight: 'IQMETRIX_MAX_IN_FLIGHT',
    credentials: ['IQMETRIX_TOKEN', 'IQMETRIX_ACCOUNTS_URL', 'IQMETRIX_CLIENT_ID', 'IQMETRIX_CLIENT_SECRET', 'IQMETRIX_USERNAME', 'IQMETRIX_PASSWORD'],
  },
  maxInFlight: { default: 32, max: 1000 },
  // Entity Manager paths start after the version, so the base URL carries it.
  checkUrl: (url) => (/\/v\d+$/.test(url.pathname.replace(/\/+$/, '')) ? undefined : 'must include the API version, e.g. https://entitymanagerdemo.iqmetrix.net/v1'),
  credential: {
    header: 'authorization',
    value: (token) => `Bearer ${token}`,
    // Pass-through: the caller's own iQmetrix bearer token, in its Authorization header.
    fromCaller: (headers) => /^Bearer\s+(\S+)$/i.exec(callerHeader(headers, 'authorization') ?? '')?.[1],
    howToSend: 'send `Authorization: Bearer <iQmetrix token>`',
  },
  routes: {
    partnerCompanyRelationships: {
      name: 'GET /Partners({id})/Relationships/Companies',
      method: 'GET',
      path: (partnerId: number, skip: number, top: number) => `/Partners(${partnerId})/Relationships/Companies?$skip=${skip}&$top=${top}`,
      map: (body: unknown, _partnerId: number, skip: number, top: number) => toPartnerRelationshipPage(body, skip, top),
      cache: { ttlSeconds: 30, env: 'CACHE_TTL_PARTNER_RELATIONSHIPS' },
    },
    company: {
      name: 'GET /Companies({id})',
      method: 'GET',
      path: (companyId: number) => `/Companies(${companyId})`,
      map: (body: unknown) => toCompany(body),
      cache: { ttlSeconds: 60, env: 'CACHE_TTL_COMPANY' },
    },
    /**
     * On the accounts service. Never retried (a POST), never cached. A circuit of its own
     * (UPSTREAM_BREAKER_* settings): the accounts service failing is not the API failing, and
     * its state changes are logged and counted under this route, not as the iqmetrix circuit.
     */
    token: {
      name: 'POST /oauth2/token',
      method: 'POST',
      path: () => `/oauth2/token`,
      map: (body: unknown) => toTokenGrant(body),
      breaker: {},
    },
  },
  retryDelayMs: rateLimitResetMs,
});

export type IqmetrixDefinition = typeof IQMETRIX;

/**
 * iQmetrix sends no Retry-After on a 429; it sends `X-RateLimit-ResetSeconds`, the seconds
 * until its window resets. It sends the rate-limit headers on every response, so they mean
 * "wait" only on a 429.
 */
export function rateLimitResetMs({ status, headers }: Pick<UpstreamResponse, 'status' | 'headers'>): number | undefined {
  if (status !== 429) return undefined;
  const value = headers['x-ratelimit-resetseconds'];
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
