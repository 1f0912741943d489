import { SIM_IQMETRIX_OAUTH } from '../../src/sim/index.js';
import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';

const TOKEN = IQMETRIX.routes.token.name;
import { encodeId } from '../../src/graph/ids.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';


describe('iQmetrix OAuth password grant', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      targets: (sims, d) => ({
        ...d,
        iqmetrix: {
          ...d.iqmetrix,
          token: undefined,
          oauth: {
            accountsUrl: sims.iqmetrix.accountsUrl,
            clientId: SIM_IQMETRIX_OAUTH.clientId,
            clientSecret: SIM_IQMETRIX_OAUTH.clientSecret,
            username: SIM_IQMETRIX_OAUTH.username,
            password: SIM_IQMETRIX_OAUTH.password,
          },
        },
      }),
    });
  });
  afterAll(() => stack.close());

  const grants = () => ({ ...stack.sims.iqmetrix.tokenGrants });
  const burst = (n: number) => {
    const ids = [...stack.sims.dataset.companies.keys()].slice(0, n);
    return Promise.all(ids.map((id) => stack.query(`{ company(id: ${id}) { name } }`)));
  };

  it('logs in on first use, once however many requests wait for it', async () => {
    const results = await burst(20);
    expect(results.flatMap(codes)).toEqual([]);
    expect(grants()).toEqual({ password: 1, refresh_token: 0 });
  });

  it('a token expiring during a burst of 50 concurrent requests: 0 failures, exactly 1 refresh', async () => {
    const before = grants();
    stack.sims.iqmetrix.expireAccessTokens();
    const results = await burst(50);
    expect(results.flatMap(codes)).toEqual([]);
    expect(results.every((r) => r.body.data.company.name)).toBe(true);
    expect(grants()).toEqual({ password: before.password, refresh_token: before.refresh_token + 1 });
  });

  it('refreshes before expiry, so calls never meet a 401', async () => {
    stack.sims.iqmetrix.setTokenTtl(2);
    stack.sims.iqmetrix.expireAccessTokens();
    await burst(1); // renews with the new 2 s lifetime
    const before = grants();
    await new Promise((r) => setTimeout(r, 1900));
    stack.resetCounts();
    const results = await burst(10);
    expect(results.flatMap(codes)).toEqual([]);
    expect(grants().refresh_token).toBe(before.refresh_token + 1);
    expect(stack.sims.iqmetrix.requests.entries().filter((e) => e.status === 401)).toEqual([]);
    stack.sims.iqmetrix.setTokenTtl(43200);
  });

  it('logs in afresh when the refresh token is refused', async () => {
    const before = grants();
    stack.sims.iqmetrix.revokeRefreshTokens();
    stack.sims.iqmetrix.expireAccessTokens();
    stack.resetCounts();
    const results = await burst(10);
    expect(results.flatMap(codes)).toEqual([]);
    // One refused refresh, then one login (the simulator counts granted tokens only).
    expect(stack.sims.iqmetrix.requests.count('POST /oauth2/token')).toBe(2);
    expect(grants()).toEqual({ password: before.password + 1, refresh_token: before.refresh_token });
  });
});

describe('the token endpoint\'s circuit', () => {
  it('is its own: it opens under the token route\'s name, and the iQmetrix API circuit and /readyz stay up', async () => {
    const stack = await startStack({
      env: { UPSTREAM_MAX_RETRIES: '0', UPSTREAM_BREAKER_MIN_CALLS: '3', UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: '60000' },
      targets: (sims, d) => ({
        ...d,
        iqmetrix: { ...d.iqmetrix, token: undefined, oauth: { accountsUrl: sims.iqmetrix.accountsUrl, ...SIM_IQMETRIX_OAUTH } },
      }),
    });
    try {
      stack.sims.iqmetrix.faults.set(TOKEN, { status: 503 });
      const id = [...stack.sims.dataset.companies.keys()][0]!;
      for (let i = 0; i < 3; i++) expect(codes(await stack.query(`{ company(id: ${id}) { name } }`))).toEqual(['UPSTREAM_UNAVAILABLE']);
      const res = await stack.query(`{ company(id: ${id}) { name } }`);
      expect(res.body.errors![0]!.message).toBe(`iqmetrix ${TOKEN} is failing; calls to it are suspended for a moment (circuit open).`);
      const { body: metrics } = await stack.gateway.observability.metrics.exposition();
      expect(metrics).toContain(`gateway_upstream_route_breaker_state{upstream="iqmetrix",route="${TOKEN}"} 2`);
      expect(metrics).toContain('gateway_upstream_breaker_state{upstream="iqmetrix"} 0');
      expect(stack.gateway.observability.readiness.report()).toMatchObject({ ready: true, body: { openUpstreams: [] } });
    } finally {
      await stack.close();
    }
  });
});

describe('bad service credentials', () => {
  it('answers UNAUTHENTICATED for a refused token and never shows the token', async () => {
    const stack = await startStack({ targets: (_, d) => ({ ...d, iqmetrix: { ...d.iqmetrix, token: 'wrong-secret-token' } }) });
    try {
      const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
      const res = await stack.query(`{ company(id: ${id}) { name } organizationByExternalId(externalId: "${id}") { name } }`);
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: 'iqmetrix', upstreamStatus: 401 });
      expect(res.body.data.organizationByExternalId).not.toBeNull();
      expect(JSON.stringify(res.body)).not.toContain('wrong-secret-token');
    } finally {
      await stack.close();
    }
  });
});

describe('pass-through mode', () => {
  let stack: Stack;
  let companyA: number;
  let companyB: number;
  beforeAll(async () => {
    stack = await startStack({ env: { AUTH_MODE: 'passthrough' } });
    [companyA, companyB] = linkedCompanyIds(stack.sims.dataset, 2) as [number, number];
    stack.sims.iqmetrix.addToken('token-of-a', { companies: [companyA] });
    stack.sims.iqmetrix.addToken('token-of-b', { companies: [companyB] });
    stack.sims.inspectorio.addApiKey('key-of-a');
    stack.sims.inspectorio.addApiKey('key-of-b');
  });
  afterAll(() => stack.close());

  const asCaller = (who: 'a' | 'b') => ({ authorization: `Bearer token-of-${who}`, 'x-inspectorio-api-key': `key-of-${who}` });
  const QUERY = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Company { companyId name } } }`;

  it('two callers, concurrently, each see only what their own credential may read', async () => {
    const ids = [encodeId('Company', companyA), encodeId('Company', companyB)];
    stack.resetCounts();
    const rounds = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.query(QUERY, { ids }, asCaller(i % 2 ? 'b' : 'a'))));
    rounds.forEach((res, i) => {
      const mine = i % 2 ? companyB : companyA;
      expect(res.body.data.nodes).toEqual(ids.map((_, j) => ([companyA, companyB][j] === mine ? { companyId: mine, name: expect.any(String) } : null)));
      expect(codes(res)).toEqual(['FORBIDDEN']);
    });
    // Every upstream request carried one of the two callers' tokens, never the service's.
    const credentials = new Set(stack.sims.iqmetrix.requests.entries().map((e) => e.credential));
    expect(credentials).toEqual(new Set(['token-of-a', 'token-of-b']));
  });

  it('a caller without credentials gets UNAUTHENTICATED and causes no upstream call', async () => {
    stack.resetCounts();
    const res = await stack.query(`{ company(id: ${companyA}) { name } organization(id: 1122) { name } }`);
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(res.body.errors!.map((e) => e.extensions!.upstream).sort()).toEqual(['inspectorio', 'iqmetrix']);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('sends each credential only to its own upstream', async () => {
    stack.resetCounts();
    await stack.query(`{ organizationByExternalId(externalId: "${companyA}") { name } }`, {}, asCaller('a'));
    expect(stack.sims.inspectorio.requests.entries().map((e) => e.credential)).toEqual(['key-of-a']);
    expect(stack.sims.iqmetrix.requests.count()).toBe(0);
  });
});
