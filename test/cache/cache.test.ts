import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { UpstreamReadCache } from '../../src/cache/upstream-cache.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

const COMPANY = 'GET /Companies({id})';

describe('lifetimes from the upstream\'s caching headers (http-cache-semantics)', () => {
  const cache = new UpstreamReadCache(new InMemoryLRUCache<string>(), { [`iqmetrix ${COMPANY}`]: 60 }, {}, { staleGraceSeconds: 300 });
  const lifetimes = (headers: Record<string, string>) => {
    const before = Date.now();
    const found = cache.lifetimes('iqmetrix', COMPANY, 'http://up/Companies(1)', { status: 200, headers });
    // Seconds from now, rounded: the computation takes a few ms.
    return found && { fresh: Math.round((found.freshUntil - before) / 1000), stale: Math.round((found.staleUntil - before) / 1000), age: Math.round((before - found.bornAt) / 1000) };
  };

  it.each([
    ['nothing said: the route default', {}, { fresh: 60, stale: 360, age: 0 }],
    ['max-age', { 'cache-control': 'max-age=30' }, { fresh: 30, stale: 330, age: 0 }],
    ['s-maxage wins for a shared cache', { 'cache-control': 'public, max-age=30, s-maxage=120' }, { fresh: 120, stale: 420, age: 0 }],
    ['private is kept (keys carry the credential)', { 'cache-control': 'private, max-age=5' }, { fresh: 5, stale: 305, age: 0 }],
    ['Age counts against max-age', { 'cache-control': 'max-age=60', age: '20' }, { fresh: 40, stale: 340, age: 20 }],
    ['Expires against Date', { date: new Date(Date.now()).toUTCString(), expires: new Date(Date.now() + 90_000).toUTCString() }, { fresh: 90, stale: 390, age: 0 }],
    ['stale-if-error beyond the grace', { 'cache-control': 'max-age=10, stale-if-error=600' }, { fresh: 10, stale: 610, age: 0 }],
    ['must-revalidate: no grace', { 'cache-control': 'max-age=10, must-revalidate' }, { fresh: 10, stale: 10, age: 0 }],
    ['a lifetime-less Cache-Control gets the route default', { 'cache-control': 'public' }, { fresh: 60, stale: 360, age: 0 }],
  ])('%s', (_name, headers, expected) => {
    const found = lifetimes(headers as Record<string, string>);
    expect(found).toBeDefined();
    // Date has whole seconds: allow one either way.
    expect(Math.abs(found!.fresh - expected.fresh)).toBeLessThanOrEqual(1);
    expect(Math.abs(found!.stale - expected.stale)).toBeLessThanOrEqual(1);
    expect(Math.abs(found!.age - expected.age)).toBeLessThanOrEqual(1);
  });

  it.each([
    ['no-store', { 'cache-control': 'no-store, max-age=60' }],
    ['no-cache', { 'cache-control': 'no-cache, max-age=60' }],
    ['stale on arrival (Age beyond max-age)', { 'cache-control': 'max-age=60', age: '3600' }],
    ['Expires in the past', { date: new Date().toUTCString(), expires: new Date(Date.now() - 1000).toUTCString() }],
    ['max-age=0', { 'cache-control': 'max-age=0' }],
  ])('not kept: %s', (_name, headers) => {
    expect(lifetimes(headers as Record<string, string>)).toBeUndefined();
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
  it('degrades to the in-process layer: operations still answer', async () => {
    const stack = await startStack({ env: { CACHE_ENABLED: 'true', REDIS_URL: 'redis://127.0.0.1:1', IN_FLIGHT_SHARED: 'false' } });
    try {
      const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
      for (let i = 0; i < 2; i++) {
        const res = await stack.query(`{ company(id: ${id}) { name } }`);
        expect(res.body.errors).toBeUndefined();
      }
      // The parsed copy kept in process answers the second.
      expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 1 });
    } finally {
      await stack.close();
    }
  });

  it('degrades to no cache with the in-process layer off', async () => {
    const stack = await startStack({ env: { CACHE_ENABLED: 'true', REDIS_URL: 'redis://127.0.0.1:1', CACHE_LOCAL_MAX_BYTES: '0', IN_FLIGHT_SHARED: 'false' } });
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
