import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../src/config.js';
import { inspectorioRoutes, iqmetrixRoutes } from '../../src/sim/index.js';
import { defineUpstream, routeKey, transportHooks, withRoutes, type UpstreamDefinition } from '../../src/upstreams/definition.js';
import { BUILT_IN_UPSTREAMS } from '../../src/upstreams/index.js';
import { INSPECTORIO, INSPECTORIO_MAX_EXTERNAL_IDS } from '../../src/upstreams/inspectorio/definition.js';
import { chunkExternalIds, MAX_EXTERNAL_ID_QUERY_LENGTH } from '../../src/upstreams/inspectorio/external-ids.js';
import { IQMETRIX, rateLimitResetMs } from '../../src/upstreams/iqmetrix/definition.js';

// The route tables are the one place routes and upstream settings are named: these checks keep
// everything that reads them (config, the simulators, the README) in step.

const variables = (definition: UpstreamDefinition) => [
  definition.settings.url,
  definition.settings.maxInFlight,
  ...definition.settings.credentials,
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

  it('are what the simulators route and count by', () => {
    expect(Object.values(iqmetrixRoutes).sort()).toEqual(Object.values(IQMETRIX.routes).map((r) => r.name).sort());
    expect(Object.values(inspectorioRoutes).sort()).toEqual(Object.values(INSPECTORIO.routes).map((r) => r.name).sort());
  });

  it('name only variables the README documents', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const undocumented = BUILT_IN_UPSTREAMS.flatMap(variables).filter((name) => !readme.includes(name));
    expect(undocumented).toEqual([]);
  });

  it("give config each cached route's lifetime, overridden by its variable (one variable may serve two routes)", () => {
    const config = loadConfig({ CACHE_TTL_ORGANIZATION: '7' });
    expect(config.cache.ttlSeconds[routeKey('inspectorio', INSPECTORIO.routes.organization.name)]).toBe(7);
    expect(config.cache.ttlSeconds[routeKey('inspectorio', INSPECTORIO.routes.organizations.name)]).toBe(7);
    expect(config.cache.ttlSeconds[routeKey('iqmetrix', IQMETRIX.routes.company.name)]).toBe(IQMETRIX.routes.company.cache.ttlSeconds);
    // The token endpoint has no lifetime: it is never cached.
    expect(config.cache.ttlSeconds[routeKey('iqmetrix', IQMETRIX.routes.token.name)]).toBeUndefined();
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
