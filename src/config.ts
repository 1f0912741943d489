// The gateway's settings, read from the environment once at start and validated. A bad
// value stops the start with a message naming the variable and what it expects.

import { DEFAULT_TRANSPORT_SETTINGS, type TransportSettings } from './http/transport.js';
import { DEFAULT_LIMITS, type CorsOrigins, type LimitSettings } from './plugins/limits/settings.js';
import type { IqmetrixOAuthSettings } from './upstreams/iqmetrix/oauth.js';
import { ttlVariableConflicts, type UpstreamDefinition, type UpstreamSettingsNames } from './upstreams/definition.js';
import { INSPECTORIO } from './upstreams/inspectorio/definition.js';
import { IQMETRIX } from './upstreams/iqmetrix/definition.js';
import { LOG_LEVELS } from './logger.js';
import type { SharedCapSettings } from './http/concurrency/shared.js';
import { isIP } from 'node:net';
import { PASSTHROUGH_JWT_HEADER, type EdgeSettings } from './edge/settings.js';
import { DEFAULT_SERVICE_NAME, type TracingSettings } from './observability/tracing/settings.js';

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
   * `null` when the gateway runs on its embedded simulators (SIMULATORS=true, or neither
   * upstream URL set outside production): it then starts them and points itself at them.
   */
  upstreams: UpstreamTargets | null;
  /** Requests in flight per upstream, real or simulated (IQMETRIX_/INSPECTORIO_MAX_IN_FLIGHT). */
  maxInFlight: { iqmetrix: number; inspectorio: number };
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
  /** Serve Prometheus metrics on GET /metrics. */
  metrics: boolean;
  /** OpenTelemetry traces: off unless OTEL_TRACES_EXPORTER or an OTLP endpoint turns them on. */
  tracing: TracingSettings;
  /** On SIGTERM, how long to go on serving, with /readyz at 503, before closing the listener. */
  shutdownDelayMs: number;
  /** On SIGTERM, how long in-flight operations get to finish before their connections are cut. */
  shutdownGraceMs: number;
  /**
   * How long an idle client connection is kept open, in ms (Node's `server.keepAliveTimeout`;
   * headers must then arrive within this + 1 s). Longer than the 60 s idle timeout of common load
   * balancers (AWS ALB, nginx's upstream keepalive), so that the balancer, not the gateway, closes an
   * idle connection: a gateway closing it first races the balancer's next request on it (a reset).
   */
  keepAliveTimeoutMs: number;
  /** What one request may ask (depth, cost, aliases, tokens, body size): src/plugins/limits/settings.ts. */
  limits: LimitSettings;
  /** The cross-request cache of upstream reads and APQ (src/cache). */
  cache: CacheSettings;
  /**
   * The in-flight caps held across all replicas together, through the Redis of REDIS_URL
   * (src/http/concurrency); null when each replica keeps its own (no REDIS_URL, or IN_FLIGHT_SHARED=false).
   */
  sharedCaps: SharedCapSettings | null;
  /** Browser origins allowed to call /graphql: any (`*`, the default in development) or these (none by default in production). */
  corsOrigins: CorsOrigins;
  /** Trusted documents, JWT authentication, rate limit, `_service` exposure: src/edge/settings.ts. */
  edge: EdgeSettings;
}

export interface CacheSettings {
  /** Cache successful upstream reads across operations. */
  enabled: boolean;
  /** Shared Redis for every replica; unset: an in-memory LRU of this process. */
  redisUrl: string | undefined;
  /** Size bound of the in-memory LRU, in bytes. */
  maxMemoryBytes: number;
  /**
   * The CACHE_TTL_* variables that are set, by name, in seconds: each overrides the default
   * lifetime (used when the upstream sends no Cache-Control) of every route that names it.
   * startGateway turns them into per-route lifetimes with the definitions it registers
   * (routeTtls, src/upstreams/definition.ts); unset variables leave the route tables' defaults.
   */
  ttlVariables: Record<string, number>;
  /** How long an automatic persisted query stays registered, in seconds. */
  apqTtlSeconds: number;
  /** Prefix of every key in Redis, so that several deployments can share one. */
  keyPrefix: string;
  /** Seconds after freshness ends during which a kept copy answers for a failed upstream call (besides the upstream's own stale-if-error). */
  staleGraceSeconds: number;
  /** Bound of the in-process layer of parsed upstream reads, in bytes of the JSON they were parsed from (0: off). */
  localMaxBytes: number;
  /** Longest wait for one shared-store (Redis) read or write, in ms: past it a read is a miss and a write is dropped. */
  timeoutMs: number;
}

/** SHUTDOWN_DELAY_MS when NODE_ENV=production and it is unset (0 otherwise). */
export const DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS = 5_000;

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

export interface LoadConfigOptions {
  /**
   * Upstreams added beside the built-in two (startGateway's `extensions`), and replacements of
   * a built-in one (same name, e.g. `withRoutes(IQMETRIX, …)`): their routes' CACHE_TTL_*
   * variables are read and checked too.
   */
  upstreams?: readonly UpstreamDefinition[];
}

export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): Config {
  const read = new EnvReader(env);
  const production = env.NODE_ENV === 'production';

  const port = read.int('PORT', 4000, 0, 65535);
  const host = read.string('HOST') ?? '0.0.0.0';
  const operationTimeoutMs = read.int('OPERATION_TIMEOUT_MS', 10_000, 100, 300_000);

  // Names, URL rules and caps from each upstream's definition (src/upstreams/<name>/definition.ts).
  const iqSettings = settingsOf(IQMETRIX);
  const inspSettings = settingsOf(INSPECTORIO);
  const iqUrl = read.url(iqSettings.url, IQMETRIX.checkUrl);
  const inspUrl = read.url(inspSettings.url, INSPECTORIO.checkUrl);
  const iqMaxInFlight = read.int(iqSettings.maxInFlight, IQMETRIX.maxInFlight.default, 1, IQMETRIX.maxInFlight.max);
  const inspMaxInFlight = read.int(inspSettings.maxInFlight, INSPECTORIO.maxInFlight.default, 1, INSPECTORIO.maxInFlight.max);

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
    breakerThreshold: read.number('UPSTREAM_BREAKER_THRESHOLD', d.breakerThreshold, 0.01, 0.99),
    breakerWindowMs: read.int('UPSTREAM_BREAKER_WINDOW_MS', d.breakerWindowMs, 1_000, 600_000),
    breakerMinCalls: read.int('UPSTREAM_BREAKER_MIN_CALLS', d.breakerMinCalls, 1, 100_000),
    breakerHalfOpenAfterMs: read.int('UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS', d.breakerHalfOpenAfterMs, 1, 600_000),
  };

  let upstreams: Config['upstreams'] = null;
  const iqSet = read.string(iqSettings.url) !== undefined;
  const inspSet = read.string(inspSettings.url) !== undefined;
  // Simulated data must never be served by accident: in production only an explicit
  // SIMULATORS=true allows it; in development they are the default when no URL is set.
  const simulators = read.bool('SIMULATORS', !production && !iqSet && !inspSet);
  if (simulators && (iqSet || inspSet)) {
    read.problems.push('SIMULATORS=true runs the gateway on its embedded simulators: unset IQMETRIX_URL and INSPECTORIO_URL, or set SIMULATORS=false.');
  } else if (!simulators && !iqSet && !inspSet) {
    read.problems.push(
      production
        ? 'IQMETRIX_URL and INSPECTORIO_URL must be set when NODE_ENV=production (with IQMETRIX_TOKEN and INSPECTORIO_API_KEY, or AUTH_MODE=passthrough); to serve the embedded simulators\' made-up data instead, set SIMULATORS=true.'
        : 'IQMETRIX_URL and INSPECTORIO_URL must be set when SIMULATORS=false (or leave SIMULATORS unset to run on the embedded simulators).',
    );
  } else if (iqSet !== inspSet) {
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

  const l = DEFAULT_LIMITS;
  const limits: LimitSettings = {
    // At most 100: the cost analysis refuses to walk deeper than 256 levels.
    maxDepth: read.int('MAX_DEPTH', l.maxDepth, 1, 100),
    maxCost: read.int('MAX_COST', l.maxCost, 1, 1_000_000_000),
    maxAliases: read.int('MAX_ALIASES', l.maxAliases, 0, 10_000),
    maxTokens: read.int('MAX_TOKENS', l.maxTokens, 100, 1_000_000),
    maxBodyBytes: read.int('MAX_BODY_BYTES', l.maxBodyBytes, 1024, 100 * 1024 * 1024),
  };
  const corsOrigins = readCorsOrigins(read, production);

  const observability = readObservability(read, production);

  const given = options.upstreams ?? [];
  const cache = readCache(read, [...[IQMETRIX, INSPECTORIO].filter((builtIn) => !given.some((definition) => definition.name === builtIn.name)), ...given]);
  const edge = readEdge(read, authMode, cache);
  const sharedCaps = readSharedCaps(read, cache);
  read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info');

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return { cache, sharedCaps, maxInFlight: { iqmetrix: iqMaxInFlight, inspectorio: inspMaxInFlight }, port, host, production, upstreams, authMode, resilience, operationTimeoutMs, landingPage, introspection, explorer, limits, corsOrigins, edge, ...observability };
}

/** Metrics, tracing (the standard OTEL_* variables) and shutdown timing. */
function readObservability(read: EnvReader, production: boolean): Pick<Config, 'metrics' | 'tracing' | 'shutdownDelayMs' | 'shutdownGraceMs' | 'keepAliveTimeoutMs'> {
  const metrics = read.bool('METRICS', true);
  // As the OpenTelemetry SDKs read them: OTEL_SDK_DISABLED wins; an explicit exporter next;
  // otherwise an OTLP endpoint alone turns tracing on.
  const tracesUrl = read.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseUrl = read.url('OTEL_EXPORTER_OTLP_ENDPOINT');
  const otlpTracesUrl = tracesUrl ?? (baseUrl ? `${baseUrl}/v1/traces` : undefined);
  const exporter = read.bool('OTEL_SDK_DISABLED', false)
    ? 'none'
    : read.oneOf('OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'] as const, otlpTracesUrl ? 'otlp' : 'none');
  const tracing: TracingSettings = { exporter, serviceName: read.string('OTEL_SERVICE_NAME') ?? DEFAULT_SERVICE_NAME, otlpTracesUrl };
  // In production a load balancer must see /readyz fail and stop sending work before the
  // listener closes: HAProxy checking every 500 ms with `fall 3` needs 1.5 s, Kubernetes
  // takes a few seconds to remove an endpoint everywhere. 5 s covers both; in development
  // (and tests) nothing balances load, so Ctrl-C stops at once.
  const shutdownDelayMs = read.int('SHUTDOWN_DELAY_MS', production ? DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS : 0, 0, 120_000);
  const shutdownGraceMs = read.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000);
  const keepAliveTimeoutMs = read.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, 1_000, 600_000);
  return { metrics, tracing, shutdownDelayMs, shutdownGraceMs, keepAliveTimeoutMs };
}

/** CORS_ORIGINS: `*`, or origins separated by commas. Unset: any origin in development, none in production. */
function readCorsOrigins(read: EnvReader, production: boolean): CorsOrigins {
  const raw = read.string('CORS_ORIGINS');
  if (raw === undefined) return production ? [] : '*';
  if (raw === '*') return '*';
  const origins: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    // The browser's Origin header is scheme://host[:port] and nothing else; anything more
    // could never match it.
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search || url.hash || url.username) {
      read.problems.push(`CORS_ORIGINS must be * or origins separated by commas, each like https://app.example.com with no path (got "${entry}").`);
      continue;
    }
    origins.push(url.origin);
  }
  return origins;
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

/** TRUSTED_DOCUMENTS_*, AUTH_JWKS_URL and AUTH_JWT_* / AUTH_REQUIRED, RATE_LIMIT_PER_MINUTE, SERVICE_SDL. */
function readEdge(read: EnvReader, authMode: AuthMode, cache: CacheSettings): EdgeSettings {
  const file = read.string('TRUSTED_DOCUMENTS_FILE');
  const only = read.bool('TRUSTED_DOCUMENTS_ONLY', false);
  if (only && !file) read.problems.push('TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE (the manifest of the documents to allow).');

  const list = (name: string) => read.string(name)?.split(',').map((v) => v.trim()).filter((v) => v !== '') ?? [];
  // http only for a key set on this machine: over plain HTTP anyone on the path could swap the keys.
  const jwksUrl = read.url('AUTH_JWKS_URL', (u) => (u.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname) ? undefined : 'must be https (http only for localhost)'));
  const issuer = list('AUTH_JWT_ISSUER');
  const audience = list('AUTH_JWT_AUDIENCE');
  const required = read.bool('AUTH_REQUIRED', false);
  const jwksCooldownMs = read.int('AUTH_JWKS_COOLDOWN_MS', 30_000, 1_000, 3_600_000);
  const jwksMaxAgeMs = read.int('AUTH_JWKS_MAX_AGE_MS', 600_000, 1_000, 86_400_000);
  const clockToleranceSeconds = read.int('AUTH_JWT_CLOCK_TOLERANCE_SECONDS', 5, 0, 300);
  let auth: EdgeSettings['auth'];
  if (read.string('AUTH_JWKS_URL') === undefined) {
    if (required) read.problems.push('AUTH_REQUIRED=true needs AUTH_JWKS_URL, AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE (where the token signing keys are, and what tokens must say).');
    else if (issuer.length > 0 || audience.length > 0) read.problems.push('AUTH_JWT_ISSUER and AUTH_JWT_AUDIENCE take effect only with AUTH_JWKS_URL: set it too.');
  } else {
    // Without both, a token that the same identity provider issued for another API would pass.
    if (issuer.length === 0) read.problems.push('AUTH_JWT_ISSUER must be set with AUTH_JWKS_URL (the `iss` tokens must carry, e.g. https://login.example.com/).');
    if (audience.length === 0) read.problems.push('AUTH_JWT_AUDIENCE must be set with AUTH_JWKS_URL (the `aud` tokens must carry, e.g. https://graph.example.com).');
    if (jwksUrl) {
      // In pass-through mode `Authorization` carries the caller's iQmetrix token to iQmetrix.
      const header = authMode === 'passthrough' ? PASSTHROUGH_JWT_HEADER : 'authorization';
      auth = { jwksUrl, issuer, audience, required, header, jwksCooldownMs, jwksMaxAgeMs, clockToleranceSeconds };
    }
  }

  const perMinute = read.int('RATE_LIMIT_PER_MINUTE', 0, 0, 10_000_000);
  const rateLimit = { perMinute, redisUrl: cache.redisUrl, keyPrefix: `${cache.keyPrefix}:rl` };
  return { trustedDocuments: { file, only }, auth, rateLimit, serviceSdl: read.bool('SERVICE_SDL', true), trustProxy: readTrustProxy(read) };
}

/** TRUST_PROXY: a number of proxy hops, or proxies' addresses/subnets/names separated by commas. */
function readTrustProxy(read: EnvReader): number | string[] | undefined {
  const raw = read.string('TRUST_PROXY');
  if (raw === undefined) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) === 0 ? undefined : Math.min(Number(raw), 100);
  const entries = raw.split(',').map((v) => v.trim()).filter((v) => v !== '');
  // `true` (trust every hop) is not offered: any client could then name its own address.
  const valid = (entry: string) => ['loopback', 'linklocal', 'uniquelocal'].includes(entry) || isIP(entry.replace(/\/\d{1,3}$/, '')) !== 0;
  const bad = entries.filter((entry) => !valid(entry));
  if (entries.length === 0 || bad.length > 0) {
    read.problems.push(`TRUST_PROXY must be a number of proxy hops, or addresses, subnets (10.0.0.0/8) and loopback/linklocal/uniquelocal separated by commas (got "${raw}").`);
    return undefined;
  }
  return entries;
}

/** REDIS_URL, CACHE_* and APQ_TTL_SECONDS. */
function readCache(read: EnvReader, upstreams: readonly UpstreamDefinition[]): CacheSettings {
  const redisUrl = read.string('REDIS_URL');
  // Not echoed: a Redis URL may carry a password.
  if (redisUrl !== undefined && !/^rediss?:\/\/\S+$/.test(redisUrl)) read.problems.push('REDIS_URL must be a redis:// or rediss:// URL.');
  const day = 86_400;
  return {
    enabled: read.bool('CACHE_ENABLED', true),
    redisUrl,
    maxMemoryBytes: read.int('CACHE_MAX_MEMORY_BYTES', 64 * 1024 * 1024, 1024, 16 * 1024 ** 3),
    ttlVariables: readTtlVariables(read, upstreams, day),
    apqTtlSeconds: read.int('APQ_TTL_SECONDS', day, 0, 30 * day),
    keyPrefix: read.string('CACHE_KEY_PREFIX') ?? 'gw',
    staleGraceSeconds: read.int('CACHE_STALE_GRACE_SECONDS', 0, 0, day),
    localMaxBytes: read.int('CACHE_LOCAL_MAX_BYTES', 32 * 1024 * 1024, 0, 16 * 1024 ** 3),
    timeoutMs: read.int('CACHE_TIMEOUT_MS', 100, 1, 10_000),
  };
}

/** A built-in upstream's variable names (every built-in definition has them; added upstreams are configured in code). */
function settingsOf(definition: UpstreamDefinition): UpstreamSettingsNames {
  if (!definition.settings) throw new Error(`the built-in upstream ${definition.name} names no settings in its definition`);
  return definition.settings;
}

/** IN_FLIGHT_*: the in-flight caps shared through the cache's Redis. */
function readSharedCaps(read: EnvReader, cache: CacheSettings): SharedCapSettings | null {
  const shared = read.bool('IN_FLIGHT_SHARED', true);
  const settings: SharedCapSettings = {
    redisUrl: cache.redisUrl ?? '',
    keyPrefix: cache.keyPrefix,
    expectedReplicas: read.int('IN_FLIGHT_EXPECTED_REPLICAS', 2, 1, 1000),
    leaseMs: read.int('IN_FLIGHT_LEASE_MS', 5_000, 1_000, 600_000),
    redisTimeoutMs: read.int('IN_FLIGHT_REDIS_TIMEOUT_MS', 250, 10, 10_000),
  };
  // A lease renewed every third of its life must outlast a renewal that times out.
  if (settings.redisTimeoutMs * 3 > settings.leaseMs) read.problems.push('IN_FLIGHT_REDIS_TIMEOUT_MS must be at most a third of IN_FLIGHT_LEASE_MS.');
  return shared && cache.redisUrl ? settings : null;
}

/**
 * The CACHE_TTL_* variables these routes name that are set, checked once each (one variable may
 * serve several routes, which must then agree on its default: see ttlVariableConflicts).
 */
function readTtlVariables(read: EnvReader, upstreams: readonly UpstreamDefinition[], maxSeconds: number): Record<string, number> {
  read.problems.push(...ttlVariableConflicts(upstreams));
  const variables: Record<string, number> = {};
  for (const upstream of upstreams) {
    for (const route of Object.values(upstream.routes)) {
      const env = route.cache?.env;
      if (env === undefined || env in variables || read.string(env) === undefined) continue;
      variables[env] = read.int(env, route.cache!.ttlSeconds, 0, maxSeconds);
    }
  }
  return variables;
}
