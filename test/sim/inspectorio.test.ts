import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { createDataset, SIM_INSPECTORIO_API_KEY, startInspectorioSim, type InspectorioSim, type SimDataset } from '../../src/sim/index.js';
import { call } from './http.js';

const auth = { apiKey: SIM_INSPECTORIO_API_KEY };
let dataset: SimDataset;
let sim: InspectorioSim;

beforeAll(async () => {
  dataset = createDataset();
  sim = await startInspectorioSim({ dataset });
});
afterAll(() => sim.close());

const orgOfCompany = (companyId: number) => [...dataset.organizations.values()].find((o) => o.externalId === String(companyId));
const expectError = (body: any) => {
  expect(body).toEqual(expect.objectContaining({ errorCode: expect.any(String), message: expect.any(String) }));
};

describe('organizations and relationships', () => {
  it('answers the whole relationship list, without paging fields', async () => {
    const id = dataset.fixtures.bigOrganizationId;
    const res = await call(sim.url + INSPECTORIO.routes.organizationRelationships.path(id), { headers: auth });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['data']);
    expect(res.json.data.length).toBeGreaterThanOrEqual(150);
    expect(res.json.data).toEqual(dataset.organizationRelationships.get(id));
  });

  it('answers one organization', async () => {
    const org = orgOfCompany(dataset.fixtures.linkedCompanyIds[0]!)!;
    const res = await call(sim.url + INSPECTORIO.routes.organization.path(org.id), { headers: auth });
    expect(res.status).toBe(200);
    expect(res.json).toEqual(org);
  });

  it('answers 404 for an unknown organization and 400 for a non-integer id', async () => {
    const id = dataset.fixtures.unknownOrganizationId;
    for (const path of [INSPECTORIO.routes.organization.path(id), INSPECTORIO.routes.organizationRelationships.path(id)]) {
      const res = await call(sim.url + path, { headers: auth });
      expect(res.status).toBe(404);
      expectError(res.json);
    }
    for (const path of ['/v1/organizations/abc', '/v2/organizations/1.5/relationships']) {
      const res = await call(sim.url + path, { headers: auth });
      expect(res.status).toBe(400);
      expectError(res.json);
    }
    const other = await call(`${sim.url}/v1/factories`, { headers: auth });
    expect(other.status).toBe(404);
    expectError(other.json);
  });

  it('answers the relationship types and contact roles', async () => {
    const types = await call(sim.url + INSPECTORIO.routes.relationshipTypes.path(), { headers: auth });
    expect(types.json).toEqual({ data: dataset.relationshipTypes });
    const roles = await call(sim.url + INSPECTORIO.routes.contactRoles.path(), { headers: auth });
    expect(roles.json).toEqual({ data: dataset.contactRoles });
  });
});

describe('GET /v1/organizations', () => {
  it('filters by a batch of externalIds built by the gateway path builder', async () => {
    const { linkedCompanyIds, unlinkedCompanyIds } = dataset.fixtures;
    const ids = [...linkedCompanyIds, ...unlinkedCompanyIds, 'no-such-id'].map(String);
    const res = await call(sim.url + INSPECTORIO.routes.organizations.path(ids), { headers: auth });
    expect(res.status).toBe(200);
    const expected = linkedCompanyIds.map((id) => orgOfCompany(id)!).sort((a, b) => a.id - b.id);
    expect(res.json).toEqual({ data: expected, limit: 100, offset: 0, total: expected.length });
  });

  it('accepts URL-encoded values and pages the matches', async () => {
    const ids = dataset.fixtures.linkedCompanyIds.map(String);
    const res = await call(`${sim.url}/v1/organizations?externalId=${encodeURIComponent(ids.join(','))}&offset=2&limit=3`, { headers: auth });
    expect(res.json.total).toBe(ids.length);
    expect(res.json.data).toHaveLength(3);
    expect([res.json.offset, res.json.limit]).toEqual([2, 3]);
  });

  it('lists every organization, 10 by default, without a filter', async () => {
    const sorted = [...dataset.organizations.values()].sort((a, b) => a.id - b.id);
    const first = await call(`${sim.url}/v1/organizations`, { headers: auth });
    expect(first.json).toEqual({ data: sorted.slice(0, 10), limit: 10, offset: 0, total: sorted.length });
    const past = await call(`${sim.url}/v1/organizations?offset=${sorted.length}&limit=100`, { headers: auth });
    expect(past.json.data).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['externalId=', 'externalId'],
    [`externalId=${Array.from({ length: 101 }, (_, i) => i).join(',')}`, 'externalId'],
  ])('answers 422 with errors for %s', async (query, field) => {
    const res = await call(`${sim.url}/v1/organizations?${query}`, { headers: auth });
    expect(res.status).toBe(422);
    expectError(res.json);
    expect(res.json.errors[field]).toEqual([expect.any(String)]);
  });

  it('accepts exactly 100 externalIds', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => String(14000 + i));
    const res = await call(sim.url + INSPECTORIO.routes.organizations.path(ids), { headers: auth });
    expect(res.status).toBe(200);
  });
});

describe('auth and scopes', () => {
  it('answers 401 with a JSON error without, or with a wrong, apiKey', async () => {
    const attempts: Array<Record<string, string>> = [{}, { apiKey: 'nope' }, { authorization: `Bearer ${SIM_INSPECTORIO_API_KEY}` }];
    for (const headers of attempts) {
      const res = await call(sim.url + INSPECTORIO.routes.contactRoles.path(), { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expectError(res.json);
    }
  });

  it('hides organizations outside a scoped key: 403 on their routes, filtered out of lists', async () => {
    const [visible, hidden] = dataset.fixtures.linkedCompanyIds.map((id) => orgOfCompany(id)!) as [
      NonNullable<ReturnType<typeof orgOfCompany>>,
      NonNullable<ReturnType<typeof orgOfCompany>>,
    ];
    sim.addApiKey('scoped-key', { organizations: [visible.id] });
    const scoped = { apiKey: 'scoped-key' };
    expect((await call(sim.url + INSPECTORIO.routes.organization.path(visible.id), { headers: scoped })).status).toBe(200);
    expect((await call(sim.url + INSPECTORIO.routes.organizationRelationships.path(visible.id), { headers: scoped })).status).toBe(200);
    for (const path of [INSPECTORIO.routes.organization.path(hidden.id), INSPECTORIO.routes.organizationRelationships.path(hidden.id)]) {
      const res = await call(sim.url + path, { headers: scoped });
      expect(res.status).toBe(403);
      expectError(res.json);
    }
    const list = await call(sim.url + INSPECTORIO.routes.organizations.path([visible.externalId!, hidden.externalId!]), { headers: scoped });
    expect(list.json).toMatchObject({ data: [visible], total: 1 });
    const all = await call(`${sim.url}/v1/organizations`, { headers: scoped });
    expect(all.json).toMatchObject({ data: [visible], total: 1 });
  });
});
