// The gateway's settings, read from the environment once at start and validated. A bad
// value stops the start with a message naming the variable and what it expects.

export interface UpstreamEndpoint {
  /** Base URL. iQmetrix: includes `/v1`. Inspectorio: no version. */
  url: string;
  /** Requests allowed in flight at once; more wait in a queue. */
  maxInFlight: number;
}

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
  upstreams: {
    iqmetrix: UpstreamEndpoint & { token: string | undefined };
    inspectorio: UpstreamEndpoint & { apiKey: string | undefined };
  } | null;
  /** Overall deadline of one GraphQL operation's upstream work, in ms. */
  operationTimeoutMs: number;
  /** Serve the Apollo Sandbox landing page on GET /graphql. */
  landingPage: boolean;
  /** Allow introspection queries. */
  introspection: boolean;
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

  let upstreams: Config['upstreams'] = null;
  const iqSet = read.string('IQMETRIX_URL') !== undefined;
  const inspSet = read.string('INSPECTORIO_URL') !== undefined;
  if (iqSet !== inspSet) {
    read.problems.push(
      `${iqSet ? 'INSPECTORIO_URL' : 'IQMETRIX_URL'} must be set too: point the gateway at both real upstreams, or at neither to run on the embedded simulators.`,
    );
  } else if (iqUrl && inspUrl) {
    upstreams = {
      iqmetrix: { url: iqUrl, maxInFlight: iqMaxInFlight, token: read.string('IQMETRIX_TOKEN') },
      inspectorio: { url: inspUrl, maxInFlight: inspMaxInFlight, apiKey: read.string('INSPECTORIO_API_KEY') },
    };
    if (!upstreams.iqmetrix.token) read.problems.push('IQMETRIX_TOKEN must be set when IQMETRIX_URL is (a bearer token for iQmetrix).');
    if (!upstreams.inspectorio.apiKey) read.problems.push('INSPECTORIO_API_KEY must be set when INSPECTORIO_URL is (the Inspectorio apiKey).');
  }

  const landingPage = read.bool('LANDING_PAGE', !production);
  const introspection = read.bool('INTROSPECTION', !production);

  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return { port, host, production, upstreams, operationTimeoutMs, landingPage, introspection };
}
