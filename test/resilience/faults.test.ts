import { encodeId } from '../../src/graph/ids.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// Each kind of upstream fault, injected at the simulators: the right public code, partial
// data (only fields that depend on the failing call are null), HTTP 200, bounded latency.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      UPSTREAM_HEADERS_TIMEOUT_MS: '300',
      UPSTREAM_BODY_TIMEOUT_MS: '300',
      UPSTREAM_RETRY_BASE_DELAY_MS: '10',
      UPSTREAM_RETRY_MAX_DELAY_MS: '1500',
      // Keep the breaker out of the way: these tests are about single faults.
      UPSTREAM_BREAKER_MIN_CALLS: '100000',
    },
  });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.sims.iqmetrix.faults.clear();
  stack.sims.inspectorio.faults.clear();
  stack.resetCounts();
});

const COMPANY = 'GET /Companies({id})';
const ORGS = 'GET /v1/organizations';

/** A company (iQmetrix) and, beside it, its organization (Inspectorio): one can fail alone. */
async function companyAndOrganization() {
  const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
  const started = performance.now();
  const res = await stack.query(`query($id: Int!, $e: String!) { company(id: $id) { name description } organizationByExternalId(externalId: $e) { name } }`, {
    id,
    e: String(id),
  });
  return { res, ms: performance.now() - started };
}

describe('upstream faults', () => {
  it('5xx: retried, then UPSTREAM_UNAVAILABLE with the status; the other upstream’s field stands', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 500 });
    const { res } = await companyAndOrganization();
    expect(res.status).toBe(200);
    expect(res.body.data.company).toBeNull();
    expect(res.body.data.organizationByExternalId).toEqual({ name: expect.any(String) });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', upstreamStatus: 500 });
    expect(res.body.errors![0]!.path).toEqual(['company']);
    // 500 is not retried (it may not be transient); 502/503/504 are.
    expect(stack.upstreamRequests()[COMPANY]).toBe(1);

    stack.resetCounts();
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 503 });
    const again = await companyAndOrganization();
    expect(again.res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstreamStatus: 503 });
    expect(stack.upstreamRequests()[COMPANY]).toBe(3);
  });

  it('a transient 503 is retried and the caller sees data', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 503, times: 1 });
    const { res } = await companyAndOrganization();
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.company.name).toEqual(expect.any(String));
    expect(stack.upstreamRequests()[COMPANY]).toBe(2);
  });

  it('429: waits X-RateLimit-ResetSeconds, then succeeds', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { rateLimited: { resetSeconds: 1 }, times: 1 });
    const { res, ms } = await companyAndOrganization();
    expect(res.body.errors).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(stack.upstreamRequests()[COMPANY]).toBe(2);
  });

  it('429 that outlasts the patience: UPSTREAM_RATE_LIMITED without waiting it out', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { rateLimited: { resetSeconds: 30 } });
    const { res, ms } = await companyAndOrganization();
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstream: 'iqmetrix', upstreamStatus: 429 });
    expect(res.body.data.organizationByExternalId).not.toBeNull();
    expect(ms).toBeLessThan(1000);
    expect(stack.upstreamRequests()[COMPANY]).toBe(1);
  });

  it('Inspectorio 429 with Retry-After is honored', async () => {
    stack.sims.inspectorio.faults.set(ORGS, { rateLimited: { retryAfterSeconds: 1 }, times: 1 });
    const { res, ms } = await companyAndOrganization();
    expect(res.body.errors).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(stack.upstreamRequests()[ORGS]).toBe(2);
  });

  it('hang: times out, UPSTREAM_UNAVAILABLE with no upstreamStatus, in bounded time', async () => {
    stack.sims.inspectorio.faults.set(ORGS, { hang: true });
    const { res, ms } = await companyAndOrganization();
    expect(res.body.data.company).not.toBeNull();
    expect(res.body.data.organizationByExternalId).toBeNull();
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio' });
    expect(res.body.errors![0]!.extensions).not.toHaveProperty('upstreamStatus');
    // 3 attempts × 300 ms headers timeout; undici checks timeouts on a ~500 ms tick, so
    // each may take up to ~800 ms.
    expect(ms).toBeLessThan(3500);
  });

  it('connection reset: retried, then UPSTREAM_UNAVAILABLE', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { reset: true, times: 1 });
    const ok = await companyAndOrganization();
    expect(ok.res.body.errors).toBeUndefined();
    stack.sims.iqmetrix.faults.set(COMPANY, { reset: true });
    const { res } = await companyAndOrganization();
    expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix' });
    expect(res.body.errors![0]!.extensions).not.toHaveProperty('upstreamStatus');
  });

  it.each([
    ['malformed JSON', { malformed: true }],
    ['the wrong shape', { wrongShape: true }],
  ])('%s: UPSTREAM_UNAVAILABLE, not retried, never a crash', async (_, fault) => {
    stack.sims.iqmetrix.faults.set(COMPANY, fault);
    stack.sims.inspectorio.faults.set(ORGS, fault);
    const { res } = await companyAndOrganization();
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ company: null, organizationByExternalId: null });
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors!.map((e) => e.extensions!.upstreamStatus)).toEqual([200, 200]);
    expect(stack.upstreamRequests()).toMatchObject({ [COMPANY]: 1, [ORGS]: 1 });
  });

  it('latency with jitter is passed through, not failed', async () => {
    stack.sims.iqmetrix.faults.set('*', { latencyMs: 100, jitterMs: 50 });
    const { res, ms } = await companyAndOrganization();
    expect(res.body.errors).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(100);
  });

  it('a failing relationship list nulls that organization’s connection only', async () => {
    const ids = linkedCompanyIds(stack.sims.dataset, 3);
    stack.sims.inspectorio.faults.set('GET /v2/organizations/{id}/relationships', { status: 502, times: 3 });
    const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Company { name organization { name relationships(first: 1) { totalCount } } } } }`, {
      ids: ids.map((id) => encodeId('Company', id)),
    });
    // Three failures are spent on the first list's three attempts, or spread over several:
    // either way every company still has its name and organization.
    expect(res.status).toBe(200);
    for (const node of res.body.data.nodes) expect(node.organization.name).toEqual(expect.any(String));
  });
});

describe('the operation deadline', () => {
  it('bounds a whole operation however slow the upstream', async () => {
    const slow = await startStack({ env: { OPERATION_TIMEOUT_MS: '400', UPSTREAM_HEADERS_TIMEOUT_MS: '5000' } });
    try {
      slow.sims.iqmetrix.faults.set(COMPANY, { hang: true });
      const started = performance.now();
      const res = await slow.query(`{ company(id: ${linkedCompanyIds(slow.sims.dataset, 1)[0]}) { name } }`);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(res.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix' });
    expect(res.body.errors![0]!.extensions).not.toHaveProperty('upstreamStatus');
      expect(res.body.errors![0]!.message).toMatch(/deadline/);
    } finally {
      await slow.close();
    }
  });
});

describe('a client that goes away', () => {
  it('cancels the upstream calls made on its behalf', async () => {
    const stack = await startStack();
    try {
      stack.sims.iqmetrix.faults.set(COMPANY, { hang: true });
      const { request } = await import('undici');
      const controller = new AbortController();
      const pending = request(stack.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }` }),
        signal: controller.signal,
      }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 150));
      expect(stack.sims.iqmetrix.requests.inFlight).toBe(1);
      controller.abort();
      await pending;
      await new Promise((r) => setTimeout(r, 150));
      expect(stack.sims.iqmetrix.requests.inFlight).toBe(0);
    } finally {
      await stack.close();
    }
  });
});
