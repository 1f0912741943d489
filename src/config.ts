// The gateway's settings, read from the environment once at start and validated. A bad
// value stops the start with a message naming the variable and what it expects.

import { DEFAULT_TRANSPORT_SETTINGS, type TransportSettings } from './http/transport.js';
import type { IqmetrixOAuthSettings } from './upstreams/iqmetrix/oauth.js';

export interface UpstreamEndpoint {
  /** Base URL. iQmetrix: includes `/v1`. Inspectorio: no version. */
  url: string;
  /** Requests allowed in flight at once; more wait in a queue. */
  maxInFlight: number;
}

/** Where the upstreams are and the service's own credentials (unused in pass-through mode). */
export interface UpstreamTargets {
  iqmetrix: UpstreamEndpoint & {
    /** A static bearer token (IQMETRIX_TOKEN)… */
    token?: string | undefined;
    /** …or the OAuth password grant against the accounts service. */
    oauth?: (IqmetrixOAuthSettings & { accountsUrl: string }) | undefined;
  };
  inspectorio: UpstreamEndpoint & { apiKey?: string | undefined };
}

/** Timeouts, retries and circuit breaking, the same for both upstreams. */
export type ResilienceSettings = Omit<TransportSettings, 'url' | 'maxInFlight'>;

/**
 * `service`: upstream calls carry the gateway's configured credentials.
 * `passthrough`: they carry the caller's (`Authorization: Bearer …` to iQmetrix,
 * `X-Inspectorio-Api-Key` to Inspectorio as `apiKey`).
 */
export type AuthMode = 'service' | 'passthrough';

export interface Config {
  /** HTTP port of the gateway (0 = any free port). */
  port: number;
  /** Interface to listen on. */
  host: string;
  /** `production` masks unexpected errors and turns off the landing page and introspection by default. */
  production: boolean;
  /**
   * `null` when neither upstream URL is set: the gateway then starts the embedded simulators
   * and points itself at them.
   */
  upstreams: UpstreamTargets | null;
  authMode: AuthMode;
  resilience: ResilienceSettings;
  /** Overall deadline of one GraphQL operation's upstream work, in ms. */
  operationTimeoutMs: number;
  /** Serve the Apollo Sandbox landing page on GET /graphql. */
  landingPage: boolean;
  /** Allow introspection queries. */
  introspection: boolean;
  /** Serve the offline GraphQL explorer (Altair, from node_modules) on GET /explorer. */
  explorer: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Collects every problem rather than stopping at the first, so one start shows them all. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return Number(raw);
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}").`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}").`);
    return fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false (got "${raw}").`);
    return fallback;
  }

  url(name: string, check?: (url: URL) => string | undefined): string | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.problems.push(`${name} must be an absolute http(s) URL (got "${raw}").`);
      return undefined;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.problems.push(`${name} must be an http(s) URL (got "${raw}").`);
      return undefined;
    }
    if (url.search || url.hash) {
      this.problems.push(`${name} must not have a query string or fragment (got "${raw}").`);
      return undefined;
    }
    const complaint = check?.(url);
    if (complaint) {
      this.problems.push(`${name} ${complaint} (got "${raw}").`);
      return undefined;
    }
    return raw.replace(/\/+$/, '');
  }
}

export function loadConfig(env: Env = process.env): Config {
  const read = new EnvReader(env);
  const production = env.NODE_ENV === 'production';

  const port = read.int('PORT', 4000, 0, 65535);
  const host = read.string('HOST') ?? '0.0.0.0';
  const operationTimeoutMs = read.int('OPERATION_TIMEOUT_MS', 10_000, 100, 300_000);

  const iqUrl = read.url('IQMETRIX_URL', (u) => (/\/v\d+$/.test(u.pathname.replace(/\/+$/, '')) ? undefined : 'must include the API version, e.g. https://entitymanagerdemo.iqmetrix.net/v1'));
  const inspUrl = read.url('INSPECTORIO_URL', (u) => (/\/v\d+\/?$/.test(u.pathname) ? 'must not include a version: /v1 and /v2 paths are appended' : undefined));
  const iqMaxInFlight = read.int('IQMETRIX_MAX_IN_FLIGHT', 32, 1, 1000);
  const inspMaxInFlight = read.int('INSPECTORIO_MAX_IN_FLIGHT', 20, 1, 1000);

  const authMode = read.oneOf('AUTH_MODE', ['service', 'passthrough'] as const, 'service');
  const d = DEFAULT_TRANSPORT_SETTINGS;
  const resilience: ResilienceSettings = {
    connectTimeoutMs: read.int('UPSTREAM_CONNECT_TIMEOUT_MS', d.connectTimeoutMs, 1, 60_000),
    headersTimeoutMs: read.int('UPSTREAM_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 1, 300_000),
    bodyTimeoutMs: read.int('UPSTREAM_BODY_TIMEOUT_MS', d.bodyTimeoutMs, 1, 300_000),
    maxBodyBytes: read.int('UPSTREAM_MAX_BODY_BYTES', d.maxBodyBytes, 1024, 1024 ** 3),
    maxRetries: read.int('UPSTREAM_MAX_RETRIES', d.maxRetries, 0, 10),
    retryBaseDelayMs: read.int('UPSTREAM_RETRY_BASE_DELAY_MS', d.retryBaseDelayMs, 1, 60_000),
    retryMaxDelayMs: read.int('UPSTREAM_RETRY_MAX_DELAY_MS', d.retryMaxDelayMs, 1, 300_000),
    retryBudgetRatio: read.number('UPSTREAM_RETRY_BUDGET_RATIO', d.retryBudgetRatio, 0, 10),
    retryBudgetMinPerSecond: read.number('UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND', d.retryBudgetMinPerSecond, 0, 10_000),
    breakerFailures: read.int('UPSTREAM_BREAKER_FAILURES', d.breakerFailures, 1, 1000),
    breakerHalfOpenAfterMs: read.int('UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS', d.breakerHalfOpenAfterMs, 1, 600_000),
  };

  let upstreams: Config['upstreams'] = null;
  const iqSet = read.string('IQMETRIX_URL') !== undefined;
  const inspSet = read.string('INSPECTORIO_URL') !== undefined;
  if (iqSet !== inspSet) {
    read.problems.push(
      `${iqSet ? 'INSPECTORIO_URL' : 'IQMETRIX_URL'} must be set too: point the gateway at both real upstreams, or at neither to run on the embedded simulators.`,
    );
  } else if (iqUrl && inspUrl) {
    upstreams = {
      iqmetrix: { url: iqUrl, maxInFlight: iqMaxInFlight, token: read.string('IQMETRIX_TOKEN'), oauth: readOAuth(read) },
      inspectorio: { url: inspUrl, maxInFlight: inspMaxInFlight, apiKey: read.string('INSPECTORIO_API_KEY') },
    };
    if (authMode === 'service') {
      if (!upstreams.iqmetrix.token && !upstreams.iqmetrix.oauth) {
        read.problems.push('IQMETRIX_TOKEN (a bearer token) or the IQMETRIX_ACCOUNTS_URL/CLIENT_ID/CLIENT_SECRET/USERNAME/PASSWORD set must be given when IQMETRIX_URL is (or use AUTH_MODE=passthrough).');
      }
      if (!upstreams.inspectorio.apiKey) read.problems.push('INSPECTORIO_API_KEY must be set when INSPECTORIO_URL is (or use AUTH_MODE=passthrough).');
    }
  }

  const landingPage = read.bool('LANDING_PAGE', !production);
  const introspection = read.bool('INTROSPECTION', !production);
  const explorer = read.bool('EXPLORER', !production);

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return { port, host, production, upstreams, authMode, resilience, operationTimeoutMs, landingPage, introspection, explorer };
}

const OAUTH_VARIABLES = ['IQMETRIX_CLIENT_ID', 'IQMETRIX_CLIENT_SECRET', 'IQMETRIX_USERNAME', 'IQMETRIX_PASSWORD'] as const;

/** The OAuth password-grant settings: all of them, or none. */
function readOAuth(read: EnvReader): UpstreamTargets['iqmetrix']['oauth'] {
  const accountsUrl = read.url('IQMETRIX_ACCOUNTS_URL', (u) => (/\/v\d+$/.test(u.pathname.replace(/\/+$/, '')) ? undefined : 'must include the API version, e.g. https://accountsdemo.iqmetrix.net/v1'));
  const [clientId, clientSecret, username, password] = OAUTH_VARIABLES.map((name) => read.string(name));
  const given = [read.string('IQMETRIX_ACCOUNTS_URL'), clientId, clientSecret, username, password];
  if (given.every((v) => v === undefined)) return undefined;
  if (given.some((v) => v === undefined)) {
    const missing = ['IQMETRIX_ACCOUNTS_URL', ...OAUTH_VARIABLES].filter((_, i) => given[i] === undefined);
    read.problems.push(`The iQmetrix OAuth settings go together: ${missing.join(', ')} missing.`);
    return undefined;
  }
  if (!accountsUrl) return undefined;
  return { accountsUrl, clientId: clientId!, clientSecret: clientSecret!, username: username!, password: password! };
}
