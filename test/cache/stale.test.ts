import { setTimeout as sleep } from 'node:timers/promises';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// HTTP caching semantics of the upstream read cache (issue 11, item 6), through the
// simulators' `headers` fault: freshness from Cache-Control/Age/Expires via
// http-cache-semantics, and a kept copy answering for a failed upstream within its
// stale-if-error window or the configured grace period, said in `extensions`.

const COMPANY = 'GET /Companies({id})';

describe('upstream caching headers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { CACHE_ENABLED: 'true', UPSTREAM_MAX_RETRIES: '0' } });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    stack.sims.iqmetrix.faults.clear();
    stack.resetCounts();
  });
  const ids = () => linkedCompanyIds(stack.sims.dataset, 40);

  it('a response stale on arrival (max-age=60, Age: 3600) is not kept', async () => {
    const id = ids()[30]!;
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Cache-Control': 'max-age=60', Age: '3600' } });
    for (let i = 0; i < 2; i++) expect((await stack.query(`{ company(id: ${id}) { name } }`)).body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 2 });
  });

  it.each([
    ['no-store', { 'Cache-Control': 'no-store' }],
    ['no-cache', { 'Cache-Control': 'no-cache' }],
    ['an Expires in the past', { 'Cache-Control': '', Expires: 'Thu, 01 Jan 1970 00:00:00 GMT' }],
  ])('%s is not kept', async (_name, headers) => {
    const id = ids()[31 + Object.keys(headers).length]!;
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: headers as Record<string, string> });
    for (let i = 0; i < 2; i++) expect((await stack.query(`{ company(id: ${id}) { name } }`)).body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 2 });
  });

  it('s-maxage and Age are honoured: a fresh copy answers', async () => {
    const id = ids()[35]!;
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Cache-Control': 'max-age=0, s-maxage=600', Age: '30' } });
    for (let i = 0; i < 2; i++) expect((await stack.query(`{ company(id: ${id}) { name } }`)).body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 1 });
  });

  it('stale-if-error: an upstream failure is answered from the kept copy, and the response says so', async () => {
    const id = ids()[36]!;
    const query = `{ company(id: ${id}) { name } }`;
    // Fresh for one second, usable for ten minutes more if the upstream fails.
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Cache-Control': 'max-age=1, stale-if-error=600' } });
    const fresh = await stack.query(query);
    expect(fresh.body.errors).toBeUndefined();
    await sleep(1_100);

    stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
    const stale = await stack.query(query);
    expect(stale.body.errors).toBeUndefined();
    expect(stale.body.data).toEqual(fresh.body.data);
    const reads = (stale.body as { extensions?: { staleUpstreamReads?: Array<Record<string, unknown>> } }).extensions?.staleUpstreamReads;
    expect(reads).toEqual([{ upstream: 'iqmetrix', route: COMPANY, ageSeconds: expect.any(Number), code: 'UPSTREAM_UNAVAILABLE' }]);
    expect(reads![0]!.ageSeconds).toBeGreaterThanOrEqual(1);
    // Never cacheable downstream.
    expect(stale.headers['cache-control']).toBe('no-store');
    // The stale copy stood in for a call that was made: the upstream is asked every time.
    expect(stack.upstreamRequests()).toEqual({ [COMPANY]: 2 });

    // A 404 is an answer, not a failure: no stale copy for it.
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 404 });
    expect(codes(await stack.query(query))).toEqual(['NOT_FOUND']);
  });

  it('without stale-if-error and without a grace period, a stale copy does not answer for a failure', async () => {
    const id = ids()[37]!;
    const query = `{ company(id: ${id}) { name } }`;
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Cache-Control': 'max-age=1' } });
    expect((await stack.query(query)).body.errors).toBeUndefined();
    await sleep(1_100);
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
    expect(codes(await stack.query(query))).toEqual(['UPSTREAM_UNAVAILABLE']);
  });
});

describe('CACHE_STALE_GRACE_SECONDS', () => {
  it('a kept copy answers for a failed upstream within the grace period; must-revalidate gets none', async () => {
    const stack = await startStack({ env: { CACHE_ENABLED: 'true', UPSTREAM_MAX_RETRIES: '0', CACHE_STALE_GRACE_SECONDS: '600' } });
    try {
      const [a, b] = linkedCompanyIds(stack.sims.dataset, 2) as [number, number];
      stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Cache-Control': 'max-age=1' } });
      expect((await stack.query(`{ company(id: ${a}) { name } }`)).body.errors).toBeUndefined();
      stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Cache-Control': 'max-age=1, must-revalidate' } });
      expect((await stack.query(`{ company(id: ${b}) { name } }`)).body.errors).toBeUndefined();
      await sleep(1_100);

      stack.sims.iqmetrix.faults.set(COMPANY, { reset: true });
      const stale = await stack.query(`{ company(id: ${a}) { name } }`);
      expect(stale.body.errors).toBeUndefined();
      expect((stale.body as { extensions?: Record<string, unknown> }).extensions?.staleUpstreamReads).toEqual([
        { upstream: 'iqmetrix', route: COMPANY, ageSeconds: expect.any(Number), code: 'UPSTREAM_UNAVAILABLE' },
      ]);
      expect(codes(await stack.query(`{ company(id: ${b}) { name } }`))).toEqual(['UPSTREAM_UNAVAILABLE']);
    } finally {
      await stack.close();
    }
  });
});
