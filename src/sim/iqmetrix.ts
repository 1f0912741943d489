import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { IQMETRIX, IQMETRIX_MAX_TOP } from '../upstreams/iqmetrix/definition.js';
import type { IqErrorBody, IqPage, IqPartnerCompanyRelationship, IqTokenResponse } from '../upstreams/iqmetrix/wire.js';
import type { FaultController, FaultSpec, RequestLog } from './control.js';
import type { SimDataset } from './dataset.js';
import {
  idPathMatcher,
  parseIntegerId,
  pathOf,
  readBody,
  sendJson,
  sendRaw,
  sendText,
  startSimServer,
  type RouteMatch,
  type SimContext,
} from './http.js';

/** Routes, names and paths straight from the gateway's route table (src/upstreams/iqmetrix/definition.ts). */
const ROUTES = IQMETRIX.routes;

/** Entity Manager paths live under this prefix; IQMETRIX_URL ends with it. */
export const IQMETRIX_SIM_BASE_PATH = '/v1';
/** The accounts service (token endpoint); IQMETRIX_ACCOUNTS_URL ends with it. */
export const IQMETRIX_SIM_ACCOUNTS_PATH = '/accounts/v1';
export const SIM_IQMETRIX_TOKEN = 'sim-iqmetrix-token';
export const SIM_IQMETRIX_OAUTH: Required<IqmetrixOAuthOptions> = {
  clientId: 'sim-client',
  clientSecret: 'sim-client-secret',
  username: 'sim-user',
  password: 'sim-password',
  tokenTtlSeconds: 43_200,
};

export interface IqmetrixOAuthOptions {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** Default 43200 (12 hours, as documented). */
  tokenTtlSeconds?: number;
}

export interface IqmetrixSimOptions {
  dataset: SimDataset;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Static bearer tokens that never expire. Default ['sim-iqmetrix-token']. */
  tokens?: string[];
  /** Credentials the token endpoint accepts. Default SIM_IQMETRIX_OAUTH. */
  oauth?: IqmetrixOAuthOptions;
  /** Answer the relationships endpoint with a bare array, like the first doc revision. */
  bareArray?: boolean;
  latencyMs?: number;
  /** Default 1,000,000 requests per 60 s. */
  rateLimit?: { limit: number; windowSeconds: number };
}

export interface IqmetrixTokenScope {
  /** Companies this token may read; others answer 403. */
  companies?: number[];
}

export interface IqmetrixSim {
  /** `http://host:port/v1`, what IQMETRIX_URL would be. */
  url: string;
  /** `http://host:port/accounts/v1`. */
  accountsUrl: string;
  requests: RequestLog;
  faults: FaultController;
  /** Adds (or replaces) a static token, optionally limited to some companies. */
  addToken(token: string, scope?: IqmetrixTokenScope): void;
  /** Every access token issued by the token endpoint so far becomes invalid. Static tokens are unaffected. */
  expireAccessTokens(): void;
  revokeRefreshTokens(): void;
  /** Lifetime of access tokens issued from now on. */
  setTokenTtl(seconds: number): void;
  /** Successful grants by type; a live object. */
  readonly tokenGrants: Readonly<{ password: number; refresh_token: number }>;
  close(): Promise<void>;
}

interface AccessToken {
  /** undefined for static tokens. */
  expiresAt: number | undefined;
  revoked: boolean;
  companies: Set<number> | undefined;
}

interface RefreshToken {
  accessToken: string;
  revoked: boolean;
}

const UNAUTHORIZED_TEXT = 'Authorization has been denied for this request.';
const RATE_LIMITED_TEXT = 'rate limit exceeded';
const NOT_FOUND: IqErrorBody = { Message: 'Entity Not Found' };

class FixedWindowLimiter {
  private windowEnd = 0;
  private used = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
  ) {}

  hit(now = Date.now()): { allowed: boolean; headers: Record<string, string> } {
    if (now >= this.windowEnd) {
      this.windowEnd = now + this.windowMs;
      this.used = 0;
    }
    const allowed = this.used < this.limit;
    if (allowed) this.used++;
    return { allowed, headers: rateLimitHeaders(this.limit, this.limit - this.used, this.windowEnd, now) };
  }
}

function rateLimitHeaders(limit: number, remaining: number, resetAt: number, now: number): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(Math.max(0, remaining)),
    'X-RateLimit-Reset': new Date(resetAt).toISOString(),
    'X-RateLimit-ResetSeconds': String(Math.max(0, Math.ceil((resetAt - now) / 1000))),
  };
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** `$skip` / `$top` as documented: absent → default; anything but a plain non-negative integer → undefined. */
function queryInteger(url: URL, name: string, fallback: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) return undefined;
  const value = Number(raw);
  return Number.isSafeInteger(value) ? value : undefined;
}

export async function startIqmetrixSim(opts: IqmetrixSimOptions): Promise<IqmetrixSim> {
  const { dataset } = opts;
  const oauth = opts.oauth ?? SIM_IQMETRIX_OAUTH;
  let tokenTtlSeconds = opts.oauth?.tokenTtlSeconds ?? SIM_IQMETRIX_OAUTH.tokenTtlSeconds;
  const limiter = new FixedWindowLimiter(opts.rateLimit?.limit ?? 1_000_000, (opts.rateLimit?.windowSeconds ?? 60) * 1000);
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();
  const tokenGrants = { password: 0, refresh_token: 0 };

  const addToken = (token: string, scope?: IqmetrixTokenScope) => {
    accessTokens.set(token, { expiresAt: undefined, revoked: false, companies: scope?.companies ? new Set(scope.companies) : undefined });
  };
  for (const token of opts.tokens ?? [SIM_IQMETRIX_TOKEN]) addToken(token);

  const matchPartner = idPathMatcher((id) => IQMETRIX_SIM_BASE_PATH + ROUTES.partnerCompanyRelationships.path(id, 0, 0));
  const matchCompany = idPathMatcher((id) => IQMETRIX_SIM_BASE_PATH + ROUTES.company.path(id));
  const tokenPath = IQMETRIX_SIM_ACCOUNTS_PATH + pathOf(ROUTES.token.path());
  const isAccountsPath = (pathname: string) => pathname.startsWith(`${IQMETRIX_SIM_ACCOUNTS_PATH}/`);

  const match = (method: string, pathname: string): RouteMatch | undefined => {
    if (method === 'POST' && pathname === tokenPath) return { name: ROUTES.token.name };
    if (method !== 'GET') return undefined;
    let id = matchPartner(pathname);
    if (id !== undefined) return { name: ROUTES.partnerCompanyRelationships.name, id };
    id = matchCompany(pathname);
    if (id !== undefined) return { name: ROUTES.company.name, id };
    return undefined;
  };

  const authorize = (credential: string | undefined): AccessToken | undefined => {
    const token = credential === undefined ? undefined : accessTokens.get(credential);
    if (!token || token.revoked || (token.expiresAt !== undefined && Date.now() >= token.expiresAt)) return undefined;
    return token;
  };

  const issueTokens = (): IqTokenResponse => {
    const access = `iq-at-${randomBytes(18).toString('base64url')}`;
    const refresh = `iq-rt-${randomBytes(18).toString('base64url')}`;
    accessTokens.set(access, { expiresAt: Date.now() + tokenTtlSeconds * 1000, revoked: false, companies: undefined });
    refreshTokens.set(refresh, { accessToken: access, revoked: false });
    return { access_token: access, expires_in: tokenTtlSeconds, refresh_token: refresh };
  };

  const serveToken = async (res: ServerResponse, req: IncomingMessage) => {
    const form = new URLSearchParams(await readBody(req));
    const fail = (error: string) => sendJson(res, 400, { error });
    const grantType = form.get('grant_type');
    if (form.get('client_id') !== oauth.clientId || form.get('client_secret') !== oauth.clientSecret) return fail('invalid_client');
    if (grantType === 'password') {
      if (form.get('username') !== oauth.username || form.get('password') !== oauth.password) return fail('invalid_grant');
      tokenGrants.password++;
      return sendJson(res, 200, issueTokens(), { 'Cache-Control': 'no-store' });
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token');
      const record = presented === null ? undefined : refreshTokens.get(presented);
      if (!record || record.revoked) return fail('invalid_grant');
      // Refreshing is single-use: the old refresh token and the access token it came with both stop working.
      record.revoked = true;
      const oldAccess = accessTokens.get(record.accessToken);
      if (oldAccess) oldAccess.revoked = true;
      tokenGrants.refresh_token++;
      return sendJson(res, 200, issueTokens(), { 'Cache-Control': 'no-store' });
    }
    return fail('unsupported_grant_type');
  };

  const servePartner = (ctx: SimContext, headers: Record<string, string>) => {
    const partnerId = parseIntegerId(ctx.match?.id);
    if (partnerId === undefined) return sendJson(ctx.res, 400, { Message: `The value '${ctx.match?.id}' is not a valid PartnerId.` }, headers);
    const skip = queryInteger(ctx.url, '$skip', 0);
    if (skip === undefined) return sendJson(ctx.res, 400, { Message: "The query parameter '$skip' must be a non-negative integer." }, headers);
    const top = queryInteger(ctx.url, '$top', 20);
    if (top === undefined || top > IQMETRIX_MAX_TOP) {
      return sendJson(ctx.res, 400, { Message: `The query parameter '$top' must be an integer between 0 and ${IQMETRIX_MAX_TOP}.` }, headers);
    }
    const all = dataset.partners.get(partnerId);
    if (!all) return sendJson(ctx.res, 404, NOT_FOUND, headers);
    const items = all.slice(skip, skip + top);
    if (opts.bareArray) return sendJson(ctx.res, 200, items, headers);

    const link = (s: number) => IQMETRIX_SIM_BASE_PATH + ROUTES.partnerCompanyRelationships.path(partnerId, s, top);
    // With $top=0 every page is the same empty page, so neither direction leads anywhere.
    const page: IqPage<IqPartnerCompanyRelationship> = {
      _metadata: { count: all.length, skip, top },
      _links: {
        prev: skip > 0 && top > 0 ? link(Math.max(0, skip - top)) : null,
        self: link(skip),
        next: top > 0 && skip + top < all.length ? link(skip + top) : null,
      },
      items,
    };
    sendJson(ctx.res, 200, page, headers);
  };

  const serveCompany = (ctx: SimContext, token: AccessToken, headers: Record<string, string>) => {
    const companyId = parseIntegerId(ctx.match?.id);
    if (companyId === undefined) return sendJson(ctx.res, 400, { Message: `The value '${ctx.match?.id}' is not a valid CompanyId.` }, headers);
    // Scope is checked before existence so a scoped token cannot probe which ids exist.
    if (token.companies && !token.companies.has(companyId)) {
      return sendJson(ctx.res, 403, { Message: 'The access token does not grant access to this company.' }, headers);
    }
    const company = dataset.companies.get(companyId);
    if (!company) return sendJson(ctx.res, 404, NOT_FOUND, headers);
    sendJson(ctx.res, 200, company, headers);
  };

  const answerFault = (ctx: SimContext, spec: FaultSpec, action: 'rateLimited' | 'status' | 'malformed' | 'wrongShape') => {
    const now = Date.now();
    const onAccounts = isAccountsPath(ctx.pathname);
    // A faulted Entity Manager request still spends quota and carries the headers, as every response does.
    const headers = onAccounts ? {} : limiter.hit(now).headers;
    const tooMany = (resetSeconds: number, retryAfterSeconds: number | undefined) =>
      sendText(ctx.res, 429, RATE_LIMITED_TEXT, {
        ...rateLimitHeaders(limiter.limit, 0, now + resetSeconds * 1000, now),
        ...(retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {}),
      });
    switch (action) {
      case 'rateLimited':
        return tooMany(spec.rateLimited?.resetSeconds ?? 1, spec.rateLimited?.retryAfterSeconds);
      case 'status': {
        const status = spec.status!;
        if (status === 429) return tooMany(1, undefined);
        if (status === 401) return sendText(ctx.res, 401, UNAUTHORIZED_TEXT, headers);
        return sendJson(ctx.res, status, { Message: STATUS_CODES[status] ?? `Status ${status}` }, headers);
      }
      case 'malformed':
        return sendRaw(ctx.res, 200, 'application/json; charset=utf-8', '{"_metadata":{"count":12,"skip":0,"top":', headers);
      case 'wrongShape':
        return sendJson(ctx.res, 200, { unexpected: true }, headers);
    }
  };

  const serve = async (ctx: SimContext) => {
    const { res, match: route } = ctx;
    if (isAccountsPath(ctx.pathname)) {
      if (route?.name === ROUTES.token.name) return serveToken(res, ctx.req);
      return sendJson(res, 404, { Message: 'No HTTP resource was found that matches the request URI.' });
    }
    const limit = limiter.hit();
    if (!limit.allowed) return sendText(res, 429, RATE_LIMITED_TEXT, limit.headers);
    const token = authorize(ctx.credential);
    if (!token) return sendText(res, 401, UNAUTHORIZED_TEXT, limit.headers);
    if (route?.name === ROUTES.partnerCompanyRelationships.name) return servePartner(ctx, limit.headers);
    if (route?.name === ROUTES.company.name) return serveCompany(ctx, token, limit.headers);
    sendJson(res, 404, { Message: 'No HTTP resource was found that matches the request URI.' }, limit.headers);
  };

  const server = await startSimServer({
    listen: opts,
    definition: IQMETRIX,
    match,
    credentialOf: bearerOf,
    answerFault,
    serve,
    internalError: (res, message) => sendJson(res, 500, { Message: message }),
  });

  return {
    url: server.origin + IQMETRIX_SIM_BASE_PATH,
    accountsUrl: server.origin + IQMETRIX_SIM_ACCOUNTS_PATH,
    requests: server.requests,
    faults: server.faults,
    addToken,
    expireAccessTokens() {
      for (const token of accessTokens.values()) if (token.expiresAt !== undefined) token.expiresAt = 0;
    },
    revokeRefreshTokens() {
      for (const token of refreshTokens.values()) token.revoked = true;
    },
    setTokenTtl(seconds: number) {
      if (!(seconds >= 0)) throw new RangeError('token TTL must be a non-negative number of seconds');
      tokenTtlSeconds = seconds;
    },
    tokenGrants,
    close: () => server.close(),
  };
}
