import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import {
  SIM_INSPECTORIO_API_KEY,
  SIM_IQMETRIX_TOKEN,
  startSimulators,
  type Simulators,
} from '../../src/sim/index.js';
import { bearer, call, originOf } from './http.js';

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(() => sims.close());
afterEach(() => {
  sims.iqmetrix.faults.clear();
  sims.inspectorio.faults.clear();
  sims.iqmetrix.requests.reset();
  sims.inspectorio.requests.reset();
});

const iqAuth = bearer(SIM_IQMETRIX_TOKEN);
const inspAuth = { apiKey: SIM_INSPECTORIO_API_KEY };
const company = () => call(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth });
const partner = () => call(sims.iqmetrix.url + IQMETRIX.routes.partnerCompanyRelationships.path(36, 0, 5), { headers: iqAuth });
const organization = () => call(sims.inspectorio.url + INSPECTORIO.routes.organization.path(sims.dataset.fixtures.bigOrganizationId), { headers: inspAuth });

describe('fault injection', () => {
  it('answers a status in each upstream’s error format', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 503 });
    const iq = await company();
    expect(iq.status).toBe(503);
    expect(iq.json).toEqual({ Message: expect.any(String) });
    expect(iq.headers.get('x-ratelimit-limit')).not.toBeNull();

    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 401 });
    const unauthorized = await company();
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('content-type')).toMatch(/^text\/plain/);

    sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { status: 502 });
    const insp = await organization();
    expect(insp.status).toBe(502);
    expect(insp.json).toEqual({ errorCode: expect.any(String), message: expect.any(String) });
  });

  it('answers 429 as each upstream does', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { rateLimited: { resetSeconds: 7 } });
    const iq = await company();
    expect(iq.status).toBe(429);
    expect(iq.text).toBe('rate limit exceeded');
    expect(iq.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(iq.headers.get('x-ratelimit-resetseconds')).toBe('7');
    expect(iq.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(iq.headers.get('retry-after')).toBeNull();

    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { rateLimited: { retryAfterSeconds: 2 } });
    expect((await company()).headers.get('retry-after')).toBe('2');

    sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { rateLimited: {} });
    const insp = await organization();
    expect(insp.status).toBe(429);
    expect(insp.json).toEqual({ errorCode: expect.any(String), message: expect.any(String) });
    expect(insp.headers.get('retry-after')).toBeNull();
    expect(insp.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('answers malformed JSON and JSON of the wrong shape with 200', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { malformed: true });
    const broken = await partner();
    expect(broken.status).toBe(200);
    expect(() => JSON.parse(broken.text)).toThrow();

    sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { wrongShape: true });
    const odd = await organization();
    expect(odd.status).toBe(200);
    expect(odd.json).toEqual({ unexpected: true });
  });

  it('resets the connection', async () => {
    sims.inspectorio.faults.set('*', { reset: true });
    await expect(organization()).rejects.toThrow();
    expect(sims.inspectorio.requests.entries()[0]!.status).toBe(0);
  });

  it('hangs until the client gives up', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { hang: true, times: 1 });
    const hanging = fetch(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth, signal: AbortSignal.timeout(150) });
    await expect(hanging).rejects.toThrow();
    expect((await company()).status).toBe(200);
  });

  it('adds latency with jitter, whatever the probability says', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { latencyMs: 120, jitterMs: 30, probability: 0, status: 500 });
    const started = Date.now();
    const res = await company();
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  });

  it('fires only `times` times, and a route fault overrides `*`', async () => {
    sims.iqmetrix.faults.set('*', { status: 500 });
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 404, times: 2 });
    expect((await company()).status).toBe(404);
    expect((await partner()).status).toBe(500);
    expect((await company()).status).toBe(404);
    expect((await company()).status).toBe(500);
    sims.iqmetrix.faults.clear('*');
    expect((await company()).status).toBe(200);
  });

  it('fires about `probability` of the time', async () => {
    sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { status: 500, probability: 0.5 });
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await organization()).status);
    expect(statuses).toContain(500);
    expect(statuses).toContain(200);
  });

  it('applies before auth', async () => {
    sims.inspectorio.faults.set(INSPECTORIO.routes.contactRoles.name, { wrongShape: true });
    const res = await call(sims.inspectorio.url + INSPECTORIO.routes.contactRoles.path());
    expect(res.json).toEqual({ unexpected: true });
  });

  it('rejects unknown routes and invalid specs', () => {
    expect(() => sims.iqmetrix.faults.set('GET /Stores({id})', { status: 500 })).toThrow(/unknown route/);
    expect(() => sims.iqmetrix.faults.set('*', { probability: 2 })).toThrow();
    expect(() => sims.inspectorio.faults.set('*', { status: 42 })).toThrow();
  });
});

describe('request log', () => {
  it('counts requests by route with their credential and status', async () => {
    await company();
    await company();
    await partner();
    await call(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: bearer('wrong') });
    await organization();
    const log = sims.iqmetrix.requests;
    expect(log.count()).toBe(4);
    expect(log.count(IQMETRIX.routes.company.name)).toBe(3);
    expect(log.byRoute()).toEqual({ [IQMETRIX.routes.company.name]: 3, [IQMETRIX.routes.partnerCompanyRelationships.name]: 1 });
    expect(log.entries().map((e) => [e.route, e.status, e.credential])).toEqual([
      [IQMETRIX.routes.company.name, 200, SIM_IQMETRIX_TOKEN],
      [IQMETRIX.routes.company.name, 200, SIM_IQMETRIX_TOKEN],
      [IQMETRIX.routes.partnerCompanyRelationships.name, 200, SIM_IQMETRIX_TOKEN],
      [IQMETRIX.routes.company.name, 401, 'wrong'],
    ]);
    expect(log.entries()[0]!.url).toBe('/v1/Companies(14146)');
    expect(sims.inspectorio.requests.entries()[0]).toMatchObject({ route: INSPECTORIO.routes.organization.name, credential: SIM_INSPECTORIO_API_KEY });
    log.reset();
    expect([log.count(), log.entries().length, log.maxInFlight]).toEqual([0, 0, 0]);
  });

  it('tracks in-flight requests and the highest concurrency', async () => {
    sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { latencyMs: 150 });
    const pending = Array.from({ length: 8 }, () => organization());
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sims.inspectorio.requests.inFlight).toBe(8);
    await Promise.all(pending);
    expect(sims.inspectorio.requests.inFlight).toBe(0);
    expect(sims.inspectorio.requests.maxInFlight).toBe(8);
  });
});

describe('HTTP control surface', () => {
  it('sets and clears faults, reports and resets counts, and is never counted', async () => {
    const control = originOf(sims.iqmetrix.url);
    const set = await call(`${control}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: IQMETRIX.routes.company.name, spec: { status: 500 } }),
    });
    expect(set.status).toBe(204);
    expect((await company()).status).toBe(500);
    const invalid = await call(`${control}/__sim/faults`, { method: 'POST', body: JSON.stringify({ route: 'nope', spec: {} }) });
    expect(invalid.status).toBe(400);
    expect((await call(`${control}/__sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await company()).status).toBe(200);

    const stats = await call(`${control}/__sim/requests`);
    expect(stats.json).toEqual({ byRoute: { [IQMETRIX.routes.company.name]: 2 }, total: 2, inFlight: 0, maxInFlight: 1 });
    expect((await call(`${control}/__sim/requests/reset`, { method: 'POST' })).status).toBe(204);
    expect(sims.iqmetrix.requests.count()).toBe(0);

    const inspControl = originOf(sims.inspectorio.url);
    expect((await call(`${inspControl}/__sim/requests`)).json.total).toBe(0);
  });
});

describe('close()', () => {
  it('finishes promptly with hanging and sleeping requests in flight', async () => {
    const own = await startSimulators({ latencyMs: 5 });
    own.iqmetrix.faults.set('*', { hang: true });
    own.inspectorio.faults.set('*', { latencyMs: 60_000 });
    // Settled into a value right away, so the rejection that close() causes is never unhandled.
    const outcome = (response: Promise<Response>) => response.then(() => 'answered', () => 'failed');
    const hanging = outcome(fetch(own.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth }));
    const sleeping = outcome(fetch(own.inspectorio.url + INSPECTORIO.routes.contactRoles.path(), { headers: inspAuth }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hanging).toBe('failed');
    expect(await sleeping).toBe('failed');
  });
});
