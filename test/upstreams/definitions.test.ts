import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../src/config.js';
import { defineUpstream, ttlKey, routeTtls, transportHooks, withRoutes, type UpstreamDefinition } from '../../src/upstreams/definition.js';
import { BUILT_IN_UPSTREAMS } from '../../src/upstreams/index.js';
import { INSPECTORIO, INSPECTORIO_MAX_EXTERNAL_IDS } from '../../src/upstreams/inspectorio/definition.js';
import { chunkExternalIds, MAX_EXTERNAL_ID_QUERY_LENGTH } from '../../src/upstreams/inspectorio/external-ids.js';
import { IQMETRIX, rateLimitResetMs } from '../../src/upstreams/iqmetrix/definition.js';

// The route tables are the one place routes and upstream settings are named: these checks keep
// everything that reads them (config, the simulators, the README) in step.

const variables = (definition: UpstreamDefinition) => [
  ...(definition.settings ? [definition.settings.url, definition.settings.maxInFlight, ...definition.settings.credentials] : []),
  ...Object.values(definition.routes).flatMap((route) => (route.cache ? [route.cache.env] : [])),
];

describe('the built-in route tables', () => {
  it('name every route once, as "<method> <path template>"', () => {
    for (const definition of BUILT_IN_UPSTREAMS) {
      const names = Object.values(definition.routes).map((route) => route.name);
      expect(new Set(names).size).toBe(names.length);
      for (const route of Object.values(definition.routes)) expect(route.name).toMatch(new RegExp(`^${route.method} /\\S+$`));
    }
  });

  it('name only variables the README documents', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const undocumented = BUILT_IN_UPSTREAMS.flatMap(variables).filter((name) => !readme.includes(name));
    expect(undocumented).toEqual([]);
  });

  it("give each cached route its lifetime, overridden by its variable (one variable may serve two routes)", () => {
    const config = loadConfig({ CACHE_TTL_ORGANIZATION: '7' });
    expect(config.cache.ttlVariables).toEqual({ CACHE_TTL_ORGANIZATION: 7 });
    const ttls = routeTtls(BUILT_IN_UPSTREAMS, config.cache.ttlVariables);
    expect(ttls[ttlKey('inspectorio', INSPECTORIO.routes.organization.name)]).toBe(7);
    expect(ttls[ttlKey('inspectorio', INSPECTORIO.routes.organizations.name)]).toBe(7);
    expect(ttls[ttlKey('iqmetrix', IQMETRIX.routes.company.name)]).toBe(IQMETRIX.routes.company.cache.ttlSeconds);
    // The token endpoint has no lifetime: it is never cached.
    expect(ttls[ttlKey('iqmetrix', IQMETRIX.routes.token.name)]).toBeUndefined();
  });

  it("a replaced built-in brings its own default lifetime; a set variable still overrides it", () => {
    const company = ttlKey('iqmetrix', IQMETRIX.routes.company.name);
    const replaced = withRoutes(IQMETRIX, { company: { cache: { ttlSeconds: 5, env: 'CACHE_TTL_COMPANY' } } });
    expect(routeTtls([replaced, INSPECTORIO], loadConfig({}, { upstreams: [replaced] }).cache.ttlVariables)[company]).toBe(5);
    expect(routeTtls([replaced, INSPECTORIO], loadConfig({ CACHE_TTL_COMPANY: '9' }).cache.ttlVariables)[company]).toBe(9);
    // A replacement naming a variable of its own: given to loadConfig, that variable is read (and the built-in's no longer is).
    const renamed = withRoutes(IQMETRIX, { company: { cache: { ttlSeconds: 5, env: 'CACHE_TTL_COMPANY_FAST' } } });
    const config = loadConfig({ CACHE_TTL_COMPANY_FAST: '2', CACHE_TTL_COMPANY: 'ignored' }, { upstreams: [renamed] });
    expect(routeTtls([renamed, INSPECTORIO], config.cache.ttlVariables)[company]).toBe(2);
  });

  it('refuses routes that share a variable with different defaults', () => {
    expect(() => withRoutes(INSPECTORIO, { organization: { cache: { ttlSeconds: 5, env: 'CACHE_TTL_ORGANIZATION' } } })).toThrow(
      /CACHE_TTL_ORGANIZATION serves routes with different default lifetimes \(inspectorio GET \/v1\/organizations\/\{id\}: 5 s, inspectorio GET \/v1\/organizations: 60 s\)/,
    );
    const stock = { name: 'GET /stock', method: 'GET' as const, path: () => '/stock', map: (body: unknown) => body, cache: { ttlSeconds: 1, env: 'CACHE_TTL_COMPANY' } };
    const other = defineUpstream({ name: 'other', settings: { url: 'OTHER_URL', maxInFlight: 'OTHER_MAX_IN_FLIGHT', credentials: [] }, maxInFlight: { default: 1, max: 1 }, routes: { stock } });
    let problems: string[] = [];
    try {
      loadConfig({}, { upstreams: [other] });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^CACHE_TTL_COMPANY serves routes with different default lifetimes \(iqmetrix GET \/Companies\(\{id\}\): 60 s, other GET \/stock: 1 s\)/)]);
  });

  it('a bad lifetime is one problem naming its variable, however many routes share it', () => {
    let problems: string[] = [];
    try {
      loadConfig({ CACHE_TTL_ORGANIZATION: 'soon' });
    } catch (error) {
      if (error instanceof ConfigError) problems = error.problems;
    }
    expect(problems).toEqual(['CACHE_TTL_ORGANIZATION must be a whole number from 0 to 86400 (got "soon").']);
  });
});

describe('defineUpstream', () => {
  const route = { name: 'GET /things/{id}', method: 'GET' as const, path: (id: number) => `/things/${id}`, map: (body: unknown) => body };
  const settings = { url: 'THINGS_URL', maxInFlight: 'THINGS_MAX_IN_FLIGHT', credentials: [] };

  it('refuses two routes with one name', () => {
    expect(() => defineUpstream({ name: 'things', settings, maxInFlight: { default: 2, max: 4 }, routes: { a: route, b: route } })).toThrow(/another route has the same name/);
  });

  it('refuses a policy out of range, naming the route', () => {
    expect(() => defineUpstream({ name: 'things', settings, maxInFlight: { default: 2, max: 4 }, routes: { a: { ...route, policy: { inFlightShare: 1.5 } } } })).toThrow(
      /things route a \(GET \/things\/\{id\}\): inFlightShare must be in \(0, 1\]/,
    );
    expect(() => withRoutes(IQMETRIX, { company: { policy: { maxRetries: -1 } } })).toThrow(/maxRetries must be a whole number ≥ 0/);
  });

  it('refuses a circuit out of range where the table is written, not at the first call', () => {
    expect(() => withRoutes(IQMETRIX, { company: { breaker: { breakerThreshold: 1 } } })).toThrow(
      /iqmetrix route company \(GET \/Companies\(\{id\}\)\): breakerThreshold must be a number from 0.01 to 0.99 \(got 1\)/,
    );
    expect(() => withRoutes(IQMETRIX, { company: { breaker: { breakerWindowMs: 10 } } })).toThrow(/breakerWindowMs must be a whole number from 1000 to 600000/);
    expect(() => withRoutes(IQMETRIX, { company: { breaker: { breakerMinCalls: 3, breakerHalfOpenAfterMs: 60_000 } } })).not.toThrow();
  });

  it('checks what a policy function returns, per request', () => {
    const hooks = transportHooks(withRoutes(IQMETRIX, { company: { policy: () => ({ headersTimeoutMs: 0 }) } }));
    expect(() => hooks.policy!({ route: IQMETRIX.routes.company.name, path: IQMETRIX.routes.company.path(1), headers: {} })).toThrow(/headersTimeoutMs must be a whole number ≥ 1/);
    expect(hooks.policy!({ route: IQMETRIX.routes.partnerCompanyRelationships.name, path: '/', headers: {} })).toBeUndefined();
  });
});

describe('upstream quirks, beside their upstream', () => {
  it("iQmetrix's X-RateLimit-ResetSeconds asks for a wait only on a 429", () => {
    expect(rateLimitResetMs({ status: 429, headers: { 'x-ratelimit-resetseconds': '3' } })).toBe(3_000);
    expect(rateLimitResetMs({ status: 200, headers: { 'x-ratelimit-resetseconds': '3' } })).toBeUndefined();
    expect(rateLimitResetMs({ status: 429, headers: { 'x-ratelimit-resetseconds': 'soon' } })).toBeUndefined();
    expect(transportHooks(IQMETRIX).retryDelayMs).toBe(rateLimitResetMs);
    expect(transportHooks(INSPECTORIO).retryDelayMs).toBeUndefined();
  });

  it("Inspectorio's externalId filter: at most 100 ids and a bounded URL per call, order kept", () => {
    const short = Array.from({ length: 250 }, (_, i) => `c${i}`);
    const chunks = chunkExternalIds(short);
    expect(chunks.map((c) => c.length)).toEqual([INSPECTORIO_MAX_EXTERNAL_IDS, INSPECTORIO_MAX_EXTERNAL_IDS, 50]);
    expect(chunks.flat()).toEqual(short);

    const long = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(1_500, 'x'));
    const byLength = chunkExternalIds(long);
    for (const chunk of byLength) expect(chunk.map((id) => encodeURIComponent(id).length + 1).reduce((a, b) => a + b)).toBeLessThanOrEqual(MAX_EXTERNAL_ID_QUERY_LENGTH);
    expect(byLength.flat()).toEqual(long);
    // One id longer than the bound still gets a call of its own.
    expect(chunkExternalIds(['y'.repeat(MAX_EXTERNAL_ID_QUERY_LENGTH * 2)])).toHaveLength(1);
  });
});
