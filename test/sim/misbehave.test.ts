// The simulators misbehave on demand, as real upstreams and the proxies in front of them do: one odd
// field in one record, a byte-order mark, a proxy's HTML page, stale caching headers, a failure for
// some URLs only. Each control is proven here over real HTTP, through the API and the /__sim surface.
import { request } from 'undici';
import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import {
  SIM_INSPECTORIO_API_KEY,
  SIM_IQMETRIX_TOKEN,
  SIM_PROXY_INTERNAL_ADDRESS,
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
});

const iqAuth = bearer(SIM_IQMETRIX_TOKEN);
const inspAuth = { apiKey: SIM_INSPECTORIO_API_KEY };
const partnerId = () => sims.dataset.fixtures.bigPartnerId;
const partnerPage = () => call(sims.iqmetrix.url + IQMETRIX.routes.partnerCompanyRelationships.path(partnerId(), 0, 10), { headers: iqAuth });
const orgId = () => sims.dataset.fixtures.bigOrganizationId;
const relationships = () => call(sims.inspectorio.url + INSPECTORIO.routes.organizationRelationships.path(orgId()), { headers: inspAuth });
const company = (id: number) => call(sims.iqmetrix.url + IQMETRIX.routes.company.path(id), { headers: iqAuth });
/** Organizations that have an externalId, in id order. */
const withExternalIds = () => [...sims.dataset.organizations.values()].filter((o) => o.externalId !== null).sort((a, b) => a.id - b.id);

describe('rewrite one field of one record', () => {
  it('sets CompanyId of item k of a partner page, and leaves every other item as the dataset has it', async () => {
    const before = await partnerPage();
    sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { rewrite: { path: 'items.3.CompanyId', value: 3_000_000_000 } });
    const after = await partnerPage();
    expect(after.status).toBe(200);
    expect(after.json.items[3].CompanyId).toBe(3_000_000_000);
    const expected = structuredClone(before.json);
    expected.items[3].CompanyId = 3_000_000_000;
    expect(after.json).toEqual(expected);
    // The dataset itself is untouched: the next answer, with the fault cleared, is the original.
    sims.iqmetrix.faults.clear();
    expect((await partnerPage()).json).toEqual(before.json);
  });

  it("sets an organization's type inside a relationship list", async () => {
    const list = sims.dataset.organizationRelationships.get(orgId())!;
    sims.inspectorio.faults.set(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.2.target.type', value: 'T' } });
    const res = await relationships();
    expect(res.json.data.map((r: any) => r.target.type)).toEqual(list.map((r, i) => (i === 2 ? 'T' : r.target.type)));
    expect(res.json.data.filter((_: unknown, i: number) => i !== 2)).toEqual(list.filter((_, i) => i !== 2));

    // A path that leads nowhere changes nothing.
    sims.inspectorio.faults.set(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.99999.target.type', value: 'T' } });
    expect((await relationships()).json.data).toEqual(list);
  });

  it("sets an organization's type in the /v1/organizations?externalId= batch by id, and removes fields", async () => {
    const orgs = withExternalIds().slice(0, 4);
    const url = sims.inspectorio.url + INSPECTORIO.routes.organizations.path(orgs.map((o) => o.externalId!));
    sims.inspectorio.faults.set(INSPECTORIO.routes.organizations.name, {
      rewrite: [
        { path: `data.id=${orgs[1]!.id}.type`, value: 'T' },
        { path: `data.id=${orgs[2]!.id}.name`, remove: true },
      ],
    });
    const res = await call(url, { headers: inspAuth });
    expect(res.status).toBe(200);
    const byId = new Map(res.json.data.map((o: any) => [o.id, o]));
    expect(byId.get(orgs[1]!.id)).toEqual({ ...orgs[1], type: 'T' });
    expect('name' in (byId.get(orgs[2]!.id) as object)).toBe(false);
    expect(byId.get(orgs[0]!.id)).toEqual(orgs[0]);
    expect(byId.get(orgs[3]!.id)).toEqual(orgs[3]);
  });

  it('rewrites every element with `*`, and fault bodies too', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { rewrite: { path: 'items.*.CompanyName', value: 'X' } });
    expect(new Set((await partnerPage()).json.items.map((i: any) => i.CompanyName))).toEqual(new Set(['X']));

    // An upstream that echoes the credential back in its error message.
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 400, rewrite: { path: 'Message', value: `bad request for token ${SIM_IQMETRIX_TOKEN}` } });
    const echoed = await company(14146);
    expect(echoed.status).toBe(400);
    expect(echoed.json).toEqual({ Message: `bad request for token ${SIM_IQMETRIX_TOKEN}` });
  });

  it('leaves a malformed body malformed', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { malformed: true, rewrite: { path: 'items.0.CompanyId', value: 1 } });
    const res = await partnerPage();
    expect(() => JSON.parse(res.text)).toThrow();
  });
});

describe('byte-order mark', () => {
  it('prefixes a JSON body with EF BB BF, with a Content-Length that counts it', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { bom: true });
    const res = await request(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(Number(res.headers['content-length'])).toBe(bytes.length);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(bytes.subarray(3).toString('utf8'))).toEqual(sims.dataset.companies.get(14146));
  });

  it('is a body that a standard client decodes: fetch and undici read it as JSON', async () => {
    sims.inspectorio.faults.set(INSPECTORIO.routes.organizationRelationships.name, { bom: true });
    const viaFetch = await fetch(sims.inspectorio.url + INSPECTORIO.routes.organizationRelationships.path(orgId()), { headers: inspAuth });
    expect(((await viaFetch.json()) as any).data).toEqual(sims.dataset.organizationRelationships.get(orgId()));
    const viaUndici = await request(sims.inspectorio.url + INSPECTORIO.routes.organizationRelationships.path(orgId()), { headers: inspAuth });
    expect(((await viaUndici.body.json()) as any).data).toEqual(sims.dataset.organizationRelationships.get(orgId()));
  });
});

describe('HTML error page', () => {
  it("answers as a proxy does: 502 text/html with an internal address in an HTML comment", async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { html: true });
    const res = await partnerPage();
    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<title>502 Bad Gateway</title>');
    expect(res.text).toMatch(new RegExp(`<!--[^>]*${SIM_PROXY_INTERNAL_ADDRESS.replaceAll('.', '\\.')}[^>]*-->`));
    // A proxy's page carries none of the upstream's own headers.
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('takes another status and a page of its own that echoes the credential and URL', async () => {
    sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { html: { status: 504, body: '<p>key={{credential}} at {{url}}</p>' } });
    const path = INSPECTORIO.routes.organization.path(orgId());
    const res = await call(sims.inspectorio.url + path, { headers: inspAuth });
    expect(res.status).toBe(504);
    expect(res.text).toBe(`<p>key=${SIM_INSPECTORIO_API_KEY} at ${path}</p>`);
  });
});

describe('response headers', () => {
  it('adds Cache-Control and Age to the normal answer', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { headers: { 'Cache-Control': 'max-age=60', Age: '3600' } });
    const res = await company(14146);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('max-age=60');
    expect(res.headers.get('age')).toBe('3600');
    expect(res.json).toEqual(sims.dataset.companies.get(14146));
    // The upstream's own headers stay.
    expect(res.headers.get('x-ratelimit-limit')).not.toBeNull();
  });

  it("replaces the simulator's own headers whatever their case, Content-Type included, never the length", async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { headers: { 'x-ratelimit-limit': '7', 'content-type': 'text/plain' } });
    const res = await request(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth });
    const text = await res.body.text();
    expect(res.headers['x-ratelimit-limit']).toBe('7');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(text));
    expect(() => sims.iqmetrix.faults.set('*', { headers: { 'Content-Length': '1' } })).toThrow(/computed/);
    expect(() => sims.iqmetrix.faults.set('*', { headers: { 'bad name': 'x' } })).toThrow(/token/);
    expect(() => sims.iqmetrix.faults.set('*', { headers: { 'X-A': 'a\r\nX-B: b' } })).toThrow(/line breaks/);
  });
});

describe('fail only the requests whose URL contains a text', () => {
  it('fails one company and serves the others', async () => {
    const [a, b] = sims.dataset.fixtures.linkedCompanyIds;
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 503, urlContains: `Companies(${a})` });
    expect((await company(a!)).status).toBe(503);
    expect((await company(b!)).status).toBe(200);
    expect((await company(a!)).status).toBe(503);
  });

  it('fails the externalId batch call that carries one id, percent-decoded, and counts `times` on matches only', async () => {
    const orgs = withExternalIds();
    const [first, second] = [orgs.slice(0, 3), orgs.slice(3, 6)];
    const marker = second[1]!.externalId!;
    sims.inspectorio.faults.set(INSPECTORIO.routes.organizations.name, { status: 500, urlContains: marker, times: 1 });
    const batch = (list: typeof orgs) => call(sims.inspectorio.url + INSPECTORIO.routes.organizations.path(list.map((o) => o.externalId!)), { headers: inspAuth });
    expect((await batch(first)).status).toBe(200);
    expect((await batch(second)).status).toBe(500);
    // `times: 1` was used by the one match, not by the call before it.
    expect((await batch(second)).status).toBe(200);
  });

  it("leaves a route's non-matching requests to a `'*'` fault", async () => {
    sims.iqmetrix.faults.set('*', { status: 500 });
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 404, urlContains: 'Companies(14146)' });
    expect((await company(14146)).status).toBe(404);
    const other = sims.dataset.fixtures.linkedCompanyIds[0]!;
    expect((await company(other)).status).toBe(500);
  });

  it('adds latency only to matching requests', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { hang: true, urlContains: 'Companies(14146)' });
    const hanging = fetch(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth, signal: AbortSignal.timeout(200) });
    await expect(hanging).rejects.toThrow();
    expect((await company(sims.dataset.fixtures.linkedCompanyIds[0]!)).status).toBe(200);
  });
});

describe('a hang that ends', () => {
  it('holds the request, then answers normally; a client that gives up first gets nothing', async () => {
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { hang: 300, times: 1 });
    const gaveUp = fetch(sims.iqmetrix.url + IQMETRIX.routes.company.path(14146), { headers: iqAuth, signal: AbortSignal.timeout(50) });
    await expect(gaveUp).rejects.toThrow();
    sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { hang: 100, times: 1 });
    const held = await company(14146);
    expect([held.status, held.json]).toEqual([200, sims.dataset.companies.get(14146)]);
    expect(() => sims.iqmetrix.faults.set('*', { hang: -1 })).toThrow(/hang/);
  });
});

describe('through the HTTP control surface', () => {
  it('takes every new control as JSON and refuses invalid ones with 400', async () => {
    const control = `${originOf(sims.inspectorio.url)}/__sim/faults`;
    const post = (body: unknown) => call(control, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const set = await post({
      route: INSPECTORIO.routes.organizationRelationships.name,
      spec: { rewrite: { path: 'data.0.target.type', value: 'T' }, bom: true, headers: { 'Cache-Control': 'max-age=60', Age: '3600' }, urlContains: `/${orgId()}/` },
    });
    expect(set.status).toBe(204);
    const res = await request(sims.inspectorio.url + INSPECTORIO.routes.organizationRelationships.path(orgId()), { headers: inspAuth });
    expect(res.headers.age).toBe('3600');
    const bytes = Buffer.from(await res.body.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(JSON.parse(bytes.subarray(3).toString('utf8')).data[0].target.type).toBe('T');

    expect((await post({ route: '*', spec: { html: { status: 503 } } })).status).toBe(204);
    const page = await call(sims.inspectorio.url + INSPECTORIO.routes.contactRoles.path(), { headers: inspAuth });
    expect([page.status, page.headers.get('content-type')]).toEqual([503, 'text/html; charset=utf-8']);

    for (const spec of [
      { rewrite: { path: '' , value: 1 } },
      { rewrite: { path: 'a' } },
      { html: { status: 99 } },
      { html: 'yes' },
      { urlContains: '' },
      { bom: 'yes' },
      { headers: ['x'] },
    ]) {
      const refused = await post({ route: '*', spec });
      expect([refused.status, typeof refused.json?.error]).toEqual([400, 'string']);
    }
  });
});
