import { encodeId } from '../../src/graph/ids.js';
import { RetryBudget } from '../../src/http/retry-budget.js';
import { withRoutes } from '../../src/upstreams/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

const COMPANY = IQMETRIX.routes.company.name;
const PARTNER_PAGE = IQMETRIX.routes.partnerCompanyRelationships.name;
const ORGANIZATION = INSPECTORIO.routes.organization.name;
const companyIds = (stack: Stack, n: number) => [...stack.sims.dataset.companies.keys()].slice(0, n);

describe('retry budget', () => {
  it('allows retries up to a share of recent requests, with a floor', () => {
    let now = 1_000_000;
    const budget = new RetryBudget(0.2, 1, 10, () => now);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    let granted = 0;
    while (budget.tryRetry()) granted++;
    expect(granted).toBe(20);
    // The window slides: after it has passed, the old traffic no longer counts…
    now += 11_000;
    granted = 0;
    while (budget.tryRetry()) granted++;
    // …and the floor (1/s over 10 s) still allows a few.
    expect(granted).toBe(10);
  });

  it('holds retries at the upstream under a sustained failure', async () => {
    const stack = await startStack({
      env: {
        UPSTREAM_MAX_RETRIES: '3',
        UPSTREAM_RETRY_BASE_DELAY_MS: '1',
        UPSTREAM_RETRY_BUDGET_RATIO: '0.2',
        UPSTREAM_RETRY_BUDGET_MIN_PER_SECOND: '0',
        UPSTREAM_BREAKER_MIN_CALLS: '100000',
      },
    });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
      const ids = companyIds(stack, 100).map((id) => encodeId('Company', id));
      const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
      expect(codes(res).every((c) => c === 'UPSTREAM_UNAVAILABLE')).toBe(true);
      expect(codes(res)).toHaveLength(100);
      // Without a budget: 100 × (1 + 3) = 400 requests. With it: at most 100 + 20 %.
      expect(stack.upstreamRequests()[COMPANY]).toBeGreaterThan(100);
      expect(stack.upstreamRequests()[COMPANY]).toBeLessThanOrEqual(120);
    } finally {
      await stack.close();
    }
  });
});

describe('circuit breaker', () => {
  it('opens when most calls fail, fails fast, probes half-open and recovers', async () => {
    const stack = await startStack({
      env: { UPSTREAM_MAX_RETRIES: '0', UPSTREAM_BREAKER_MIN_CALLS: '3', UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: '300' },
    });
    try {
      const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
      const query = () => stack.query(`{ company(id: ${id}) { name } organization: organizationByExternalId(externalId: "${id}") { name } }`);
      stack.sims.iqmetrix.faults.set('*', { status: 503 });
      for (let i = 0; i < 3; i++) expect(codes(await query())).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(stack.gateway.upstreams.iqmetrix.breakerState).toBe('open');

      stack.resetCounts();
      const started = performance.now();
      const fast = await query();
      expect(performance.now() - started).toBeLessThan(200);
      expect(fast.body.errors![0]!.message).toMatch(/circuit open/);
      expect(fast.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix' });
      // The other upstream is unaffected, and the open circuit sent nothing.
      expect(fast.body.data.organization).not.toBeNull();
      expect(stack.upstreamRequests()[COMPANY]).toBeUndefined();

      stack.sims.iqmetrix.faults.clear();
      await new Promise((r) => setTimeout(r, 350));
      const recovered = await query();
      expect(recovered.body.errors).toBeUndefined();
      expect(stack.gateway.upstreams.iqmetrix.breakerState).toBe('closed');
    } finally {
      await stack.close();
    }
  });

  it('stays closed under a partial outage: 20 % failures is not most', async () => {
    const stack = await startStack({ env: { UPSTREAM_MAX_RETRIES: '0', UPSTREAM_BREAKER_MIN_CALLS: '10' } });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { status: 503, probability: 0.2 });
      const ids = companyIds(stack, 100).map((id) => encodeId('Company', id));
      const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
      const failed = codes(res).length;
      expect(failed).toBeGreaterThan(5);
      expect(failed).toBeLessThan(40);
      expect(stack.gateway.upstreams.iqmetrix.breakerState).toBe('closed');
      expect(stack.upstreamRequests()[COMPANY]).toBe(100);
    } finally {
      await stack.close();
    }
  });

  it('does not count 404s as failures', async () => {
    const stack = await startStack({ env: { UPSTREAM_BREAKER_MIN_CALLS: '2' } });
    try {
      for (let i = 0; i < 4; i++) expect(codes(await stack.query(`{ company(id: ${stack.sims.dataset.fixtures.unknownCompanyId}) { name } }`))).toEqual(['NOT_FOUND']);
      expect(stack.gateway.upstreams.iqmetrix.breakerState).toBe('closed');
    } finally {
      await stack.close();
    }
  });
});

describe('in-flight cap', () => {
  it('never has more requests in flight per upstream than configured, and queues the rest', async () => {
    const stack = await startStack({
      targets: (_, d) => ({ iqmetrix: { ...d.iqmetrix, maxInFlight: 5 }, inspectorio: { ...d.inspectorio, maxInFlight: 3 } }),
    });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { latencyMs: 30 });
      stack.sims.inspectorio.faults.set('*', { latencyMs: 30 });
      const companies = companyIds(stack, 60).map((id) => encodeId('Company', id));
      const orgs = [...stack.sims.dataset.organizations.keys()].slice(0, 30).map((id) => encodeId('Organization', id));
      stack.resetCounts();
      const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [...companies, ...orgs] });
      expect(res.body.errors).toBeUndefined();
      expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(60);
      expect(stack.sims.iqmetrix.requests.maxInFlight).toBe(5);
      expect(stack.sims.inspectorio.requests.maxInFlight).toBe(3);
    } finally {
      await stack.close();
    }
  });
});

describe('the operation deadline and the breaker', () => {
  it('deadline aborts are not upstream failures: they never open the circuit', async () => {
    const stack = await startStack({ env: { OPERATION_TIMEOUT_MS: '150', UPSTREAM_BREAKER_MIN_CALLS: '3', UPSTREAM_MAX_RETRIES: '0' } });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { hang: true });
      for (let i = 0; i < 5; i++) {
        const res = await stack.query(`{ company(id: ${companyIds(stack, 1)[0]}) { name } }`);
        expect(res.body.errors![0]!.message).toMatch(/deadline/);
      }
      expect(stack.gateway.upstreams.iqmetrix.breakerState).toBe('closed');
    } finally {
      await stack.close();
    }
  });

  it('labels a retry by what went wrong', async () => {
    const reasons: string[] = [];
    const { UpstreamTransport, DEFAULT_TRANSPORT_SETTINGS } = await import('../../src/http/transport.js');
    const stack = await startStack();
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { reset: true, times: 1 });
      const transport = new UpstreamTransport('iqmetrix', { ...DEFAULT_TRANSPORT_SETTINGS, url: stack.sims.iqmetrix.url, maxInFlight: 2 }, { onRetry: (e) => reasons.push(e.reason) });
      const response = await transport.exchange({ route: COMPANY, path: `/Companies(${companyIds(stack, 1)[0]})`, headers: { authorization: 'Bearer sim-iqmetrix-token' } });
      expect(response.status).toBe(200);
      expect(reasons).toEqual(['ECONNRESET']);
      await transport.close();
    } finally {
      await stack.close();
    }
  });
});

describe('per-route policy (the route table overrides the UPSTREAM_* defaults)', () => {
  const partnerQuery = (stack: Stack) => `partner(id: ${stack.sims.dataset.fixtures.bigPartnerId}) { companyRelationships(first: 1) { totalCount } }`;
  const organizationQuery = (stack: Stack) => `organization(id: ${[...stack.sims.dataset.organizations.keys()][0]}) { name }`;

  it('one route without retries; the same upstream\'s other route and the other upstream keep the default', async () => {
    const stack = await startStack({
      env: { UPSTREAM_MAX_RETRIES: '2', UPSTREAM_RETRY_BASE_DELAY_MS: '1', UPSTREAM_BREAKER_MIN_CALLS: '100000' },
      gateway: { upstreamDefinitions: { iqmetrix: withRoutes(IQMETRIX, { company: { policy: { maxRetries: 0 } } }) } },
    });
    try {
      stack.sims.iqmetrix.faults.set('*', { status: 503 });
      stack.sims.inspectorio.faults.set(ORGANIZATION, { status: 503 });
      const res = await stack.query(`{ company(id: ${companyIds(stack, 1)[0]}) { name } ${partnerQuery(stack)} ${organizationQuery(stack)} }`);
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
      // Attempts as the simulators saw them: 1 for the changed route, 1 + 2 retries elsewhere.
      expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 1, [PARTNER_PAGE]: 3, [ORGANIZATION]: 3 });
    } finally {
      await stack.close();
    }
  });

  it('a policy can be a function of the request', async () => {
    // Set once the simulators' data is known; the policy reads it per request.
    let retried = 0;
    const stack = await startStack({
      env: { UPSTREAM_MAX_RETRIES: '0', UPSTREAM_RETRY_BASE_DELAY_MS: '1', UPSTREAM_BREAKER_MIN_CALLS: '100000' },
      gateway: {
        upstreamDefinitions: {
          iqmetrix: withRoutes(IQMETRIX, { company: { policy: (request) => (request.path === IQMETRIX.routes.company.path(retried) ? { maxRetries: 3 } : undefined) } }),
        },
      },
    });
    try {
      const [quiet, other] = companyIds(stack, 2) as [number, number];
      retried = other;
      stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
      const res = await stack.query(`{ a: company(id: ${quiet}) { name } b: company(id: ${retried}) { name } }`);
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
      const attempts = (id: number) => stack.sims.iqmetrix.requests.entries().filter((e) => e.url.endsWith(IQMETRIX.routes.company.path(id))).length;
      expect([attempts(quiet), attempts(retried)]).toEqual([1, 4]);
    } finally {
      await stack.close();
    }
  });

  it('a route\'s timeout applies to that route only', async () => {
    const stack = await startStack({
      gateway: { upstreamDefinitions: { iqmetrix: withRoutes(IQMETRIX, { company: { policy: { headersTimeoutMs: 200, maxRetries: 0 } } }) } },
    });
    try {
      // undici checks its headers timeout about twice a second: the latency leaves room for that.
      stack.sims.iqmetrix.faults.set('*', { latencyMs: 2_500 });
      const res = await stack.query(`{ company(id: ${companyIds(stack, 1)[0]}) { name } ${partnerQuery(stack)} }`);
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(res.body.errors![0]!.path).toEqual(['company']);
      expect(res.body.errors![0]!.message).toMatch(/timed out/);
      expect(res.body.data.partner.companyRelationships.totalCount).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });

  it('a route with its own circuit opens alone: the upstream\'s circuit and other routes stay up', async () => {
    const stack = await startStack({
      env: { UPSTREAM_MAX_RETRIES: '0', UPSTREAM_BREAKER_MIN_CALLS: '100000' },
      gateway: { upstreamDefinitions: { iqmetrix: withRoutes(IQMETRIX, { company: { breaker: { breakerMinCalls: 3, breakerHalfOpenAfterMs: 60_000 } } }) } },
    });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
      for (let i = 0; i < 3; i++) expect(codes(await stack.query(`{ company(id: ${companyIds(stack, 1)[0]}) { name } }`))).toEqual(['UPSTREAM_UNAVAILABLE']);
      const transport = stack.gateway.upstreams.iqmetrix;
      expect(transport.routeBreakerState(COMPANY)).toBe('open');
      expect(transport.breakerState).toBe('closed');

      stack.resetCounts();
      const res = await stack.query(`{ company(id: ${companyIds(stack, 1)[0]}) { name } ${partnerQuery(stack)} }`);
      // The message names the route whose circuit is open, not the whole upstream.
      expect(res.body.errors![0]!.message).toBe(`iqmetrix ${COMPANY} is failing; calls to it are suspended for a moment (circuit open).`);
      const { body: metrics } = await stack.gateway.observability.metrics.exposition();
      expect(metrics).toContain(`gateway_upstream_route_breaker_state{upstream="iqmetrix",route="${COMPANY}"} 2`);
      expect(metrics).toContain('gateway_upstream_breaker_state{upstream="iqmetrix"} 0');
      expect(res.body.data.partner).not.toBeNull();
      expect(stack.upstreamRequests()).toEqual({ [PARTNER_PAGE]: 1 });
    } finally {
      await stack.close();
    }
  });

  it('a route\'s cache lifetime changed with withRoutes applies to that route only', async () => {
    const stack = await startStack({
      env: { CACHE_ENABLED: 'true', CACHE_KEY_PREFIX: `h1c-ttl-${process.pid}` },
      gateway: { upstreamDefinitions: { iqmetrix: withRoutes(IQMETRIX, { company: { cache: { ttlSeconds: 0, env: 'CACHE_TTL_COMPANY' } } }) } },
    });
    try {
      const both = `{ company(id: ${companyIds(stack, 1)[0]}) { name } ${organizationQuery(stack)} }`;
      for (let i = 0; i < 2; i++) expect((await stack.query(both)).body.errors).toBeUndefined();
      // Company reads are no longer kept (lifetime 0); organizations keep the route table's 60 s.
      expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 2, [ORGANIZATION]: 1 });
    } finally {
      await stack.close();
    }
  });

  it('a route\'s share of the in-flight cap bounds that route', async () => {
    const stack = await startStack({
      targets: (_, d) => ({ ...d, iqmetrix: { ...d.iqmetrix, maxInFlight: 8 } }),
      gateway: { upstreamDefinitions: { iqmetrix: withRoutes(IQMETRIX, { company: { policy: { inFlightShare: 0.25 } } }) } },
    });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { latencyMs: 30 });
      const ids = companyIds(stack, 20).map((id) => encodeId('Company', id));
      const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
      expect(res.body.errors).toBeUndefined();
      expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 20 });
      // 25 % of 8 connections.
      expect(stack.sims.iqmetrix.requests.maxInFlight).toBe(2);
    } finally {
      await stack.close();
    }
  });

  it('a policy function giving different shares moves the route\'s one limit, never adds slots', async () => {
    const stack = await startStack({
      targets: (_, d) => ({ ...d, iqmetrix: { ...d.iqmetrix, maxInFlight: 8 } }),
      gateway: {
        upstreamDefinitions: {
          // Alternating 25 % and 50 %: with a semaphore per share the route could hold 2 + 4 = 6.
          iqmetrix: withRoutes(IQMETRIX, { company: { policy: (request) => ({ inFlightShare: /[02468]\)$/.test(request.path) ? 0.25 : 0.5 }) } }),
        },
      },
    });
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { latencyMs: 30 });
      const ids = companyIds(stack, 40).map((id) => encodeId('Company', id));
      const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
      expect(res.body.errors).toBeUndefined();
      expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 40 });
      expect(stack.sims.iqmetrix.requests.maxInFlight).toBeLessThanOrEqual(4);
    } finally {
      await stack.close();
    }
  });
});
