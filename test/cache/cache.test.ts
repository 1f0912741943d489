import { cacheControlTtl } from '../../src/cache/upstream-cache.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

const COMPANY = 'GET /Companies({id})';

describe('cacheControlTtl', () => {
  it.each([
    [undefined, undefined],
    ['max-age=30', 30],
    ['public, max-age=30, s-maxage=120', 120],
    ['private, max-age=5', 5],
    ['no-store', 0],
    ['no-cache, max-age=60', 0],
    ['must-revalidate', undefined],
  ])('%s → %s', (header, ttl) => {
    expect(cacheControlTtl(header)).toBe(ttl);
  });
});

describe('cross-request cache (in-memory)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { CACHE_ENABLED: 'true' } });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.sims.iqmetrix.faults.clear();
    stack.resetCounts();
  });

  it('serves a repeated read from the cache', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 5)[4]!;
    const query = `{ company(id: ${id}) { name description organization { name relationships(first: 3) { totalCount } } } }`;
    const first = await stack.query(query);
    expect(first.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 1, 'GET /v1/organizations': 1, 'GET /v2/organizations/{id}/relationships': 1 });
    stack.resetCounts();
    const second = await stack.query(query);
    expect(second.body).toEqual(first.body);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('never caches a failure: a transient 503 does not stick', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 7)[6]!;
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 404 });
    expect(codes(await stack.query(`{ company(id: ${id}) { name } }`))).toEqual(['NOT_FOUND']);
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
    expect(codes(await stack.query(`{ company(id: ${id}) { name } }`))).toEqual(['UPSTREAM_UNAVAILABLE']);
    stack.sims.iqmetrix.faults.clear();
    stack.resetCounts();
    const ok = await stack.query(`{ company(id: ${id}) { name } }`);
    expect(ok.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 1 });
  });

  it('never caches a body of the wrong shape', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 8)[7]!;
    stack.sims.iqmetrix.faults.set(COMPANY, { wrongShape: true, times: 1 });
    expect(codes(await stack.query(`{ company(id: ${id}) { name } }`))).toEqual(['UPSTREAM_UNAVAILABLE']);
    const ok = await stack.query(`{ company(id: ${id}) { name } }`);
    expect(ok.body.errors).toBeUndefined();
  });

  it('sets Cache-Control from the type hints, and none on a response with errors', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
    const company = await stack.query(`{ company(id: ${id}) { name } }`);
    expect(company.headers['cache-control']).toBe('max-age=60, public');
    const withConnection = await stack.query(`{ company(id: ${id}) { organization { relationships { nodes { types } } } } }`);
    expect(withConnection.headers['cache-control']).toBe('max-age=30, public');
    const failed = await stack.query(`{ company(id: ${stack.sims.dataset.fixtures.unknownCompanyId}) { name } }`);
    expect(failed.headers['cache-control']).toBe('no-store');
  });
});

describe('pass-through mode', () => {
  it('keys cached reads by credential and marks responses private', async () => {
    const stack = await startStack({ env: { CACHE_ENABLED: 'true', AUTH_MODE: 'passthrough' } });
    try {
      const [mine, theirs] = linkedCompanyIds(stack.sims.dataset, 2) as [number, number];
      stack.sims.iqmetrix.addToken('token-a', { companies: [mine] });
      stack.sims.iqmetrix.addToken('token-b', { companies: [theirs] });
      const query = `{ company(id: ${mine}) { name } }`;
      const a = await stack.query(query, {}, { authorization: 'Bearer token-a' });
      expect(a.body.errors).toBeUndefined();
      expect(a.headers['cache-control']).toBe('max-age=60, private');
      // B asks for the very same read: it goes upstream with B's token and is refused,
      // instead of being answered from what A fetched.
      stack.resetCounts();
      const b = await stack.query(query, {}, { authorization: 'Bearer token-b' });
      expect(codes(b)).toEqual(['FORBIDDEN']);
      expect(stack.sims.iqmetrix.requests.entries().map((e) => e.credential)).toEqual(['token-b']);
      // A again: from the cache.
      stack.resetCounts();
      expect((await stack.query(query, {}, { authorization: 'Bearer token-a' })).body.errors).toBeUndefined();
      expect(stack.upstreamRequests()).toEqual({});
    } finally {
      await stack.close();
    }
  });
});

describe('an unreachable Redis', () => {
  it('degrades to no cache: operations still answer', async () => {
    const stack = await startStack({ env: { CACHE_ENABLED: 'true', REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
      for (let i = 0; i < 2; i++) {
        const res = await stack.query(`{ company(id: ${id}) { name } }`);
        expect(res.body.errors).toBeUndefined();
      }
      expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 2 });
    } finally {
      await stack.close();
    }
  });
});
