import { PARTNER_SUPPLY_NETWORK } from '../../src/graph/example-queries.js';
import { encodeId } from '../../src/graph/ids.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// Upstream request counts, read at the simulators, prove each row of design.md's batching table.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
beforeEach(() => stack.resetCounts());

describe('batching', () => {
  it('answers PartnerSupplyNetwork with 1 iQmetrix page, 1 organization batch and one list per organization', async () => {
    const { dataset } = stack.sims;
    const partnerId = dataset.fixtures.bigPartnerId;
    const page = dataset.partners.get(partnerId)!.slice(0, 25);
    const orgs = [...new Set(page.map((r) => r.CompanyId))]
      .map((id) => [...dataset.organizations.values()].find((o) => o.externalId === String(id)))
      .filter((o) => o !== undefined);

    const res = await stack.query(PARTNER_SUPPLY_NETWORK, { partnerId });
    expect(res.body.errors).toBeUndefined();
    const edges = res.body.data.partner.companyRelationships.edges;
    expect(edges).toHaveLength(25);
    edges.forEach((edge: any, i: number) => {
      expect(edge.node.company).toMatchObject({ companyId: page[i]!.CompanyId, name: page[i]!.CompanyName });
      const org = orgs.find((o) => o.externalId === String(page[i]!.CompanyId));
      if (!org) return expect(edge.node.company.organization).toBeNull();
      const factories = dataset.organizationRelationships.get(org.id)!.filter((r) => r.target.type === 'F');
      expect(edge.node.company.organization.relationships.totalCount).toBe(factories.length);
      expect(edge.node.company.organization.relationships.nodes.map((n: any) => n.target.name)).toEqual(factories.slice(0, 10).map((r) => r.target.name));
    });
    expect(orgs.length).toBeGreaterThan(10);
    expect(stack.upstreamRequests()).toEqual({
      'GET /Partners({id})/Relationships/Companies': 1,
      'GET /v1/organizations': 1,
      'GET /v2/organizations/{id}/relationships': orgs.length,
    });
  });

  it('loads 25 companies’ organizations with one Inspectorio request', async () => {
    const ids = linkedCompanyIds(stack.sims.dataset, 25);
    const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Company { organization { externalId } } } }`, {
      ids: ids.map((id) => encodeId('Company', id)),
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.nodes.map((n: any) => n.organization.externalId)).toEqual(ids.map(String));
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 25, 'GET /v1/organizations': 1 });
  });

  it('splits more than 100 externalIds into batches of 100', async () => {
    const relationships = stack.sims.dataset.partners.get(stack.sims.dataset.fixtures.bigPartnerId)!;
    const res = await stack.query(`query($id: Int!, $after: String) { partner(id: $id) {
      a: companyRelationships(first: 100) { nodes { company { organization { organizationId } } } }
      b: companyRelationships(first: 100, after: $after) { nodes { company { organization { organizationId } } } } } }`, {
      id: stack.sims.dataset.fixtures.bigPartnerId,
      after: Buffer.from(`c1|p${stack.sims.dataset.fixtures.bigPartnerId}|99`).toString('base64url'),
    });
    expect(res.body.errors).toBeUndefined();
    const distinct = new Set(relationships.slice(0, 200).map((r) => r.CompanyId)).size;
    expect(stack.upstreamRequests()['GET /v1/organizations']).toBe(Math.ceil(distinct / 100));
  });

  it('fetches the same company once however often the query names it', async () => {
    const id = stack.sims.dataset.fixtures.linkedCompanyIds[2]!;
    const res = await stack.query(`query($id: Int!, $gid: ID!) { a: company(id: $id) { name description } b: company(id: $id) { displayName } node(id: $gid) { ... on Company { logo { id } } } }`, {
      id,
      gid: encodeId('Company', id),
    });
    expect(res.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
  });

  it('answers a company’s name through a relationship with no company request', async () => {
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 50) { nodes { company { companyId name } } } } }`, {
      id: stack.sims.dataset.fixtures.bigPartnerId,
    });
    expect(res.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 1 });
  });

  it('deduplicates organizations by id and their relationship lists', async () => {
    const orgId = stack.sims.dataset.fixtures.bigOrganizationId;
    const res = await stack.query(`query($id: Int!, $gid: ID!) {
      a: organization(id: $id) { name relationships(first: 1) { totalCount } }
      b: organization(id: $id) { type relationships(last: 1) { totalCount } }
      node(id: $gid) { id } }`, { id: orgId, gid: encodeId('Organization', orgId) });
    expect(res.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations/{id}': 1, 'GET /v2/organizations/{id}/relationships': 1 });
  });

  it('fetches a partner page once when the same page is asked twice', async () => {
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { a: companyRelationships(first: 10) { totalCount } b: companyRelationships(first: 10) { nodes { relationshipId } } } }`, {
      id: stack.sims.dataset.fixtures.bigPartnerId,
    });
    expect(res.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 1 });
  });

  it('batches 50 node ids: organizations by id fan out once each, companies once each', async () => {
    const { dataset } = stack.sims;
    const orgIds = [...dataset.organizations.keys()].slice(0, 25);
    const companyIds = linkedCompanyIds(dataset, 25);
    const ids = [...orgIds.map((id) => encodeId('Organization', id)), ...companyIds.map((id) => encodeId('Company', id))];
    const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.nodes.map((n: any) => n.id)).toEqual(ids);
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations/{id}': 25, 'GET /Companies({id})': 25 });
  });
});

describe('critical path', () => {
  it('asks for a company and its organization at the same time: both are keyed by the id given', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
    stack.sims.iqmetrix.faults.set('GET /Companies({id})', { latencyMs: 300 });
    try {
      stack.resetCounts();
      const res = await stack.query(`{ company(id: ${id}) { name organization { name } } }`);
      expect(res.body.errors).toBeUndefined();
      const [company] = stack.sims.iqmetrix.requests.entries();
      const [organization] = stack.sims.inspectorio.requests.entries();
      // Sent together, not one after the other's 300 ms answer.
      expect(Math.abs(organization!.at - company!.at)).toBeLessThan(150);
    } finally {
      stack.sims.iqmetrix.faults.clear();
    }
  });

  it('does not start the organization lookup for a field that @skip or @include leaves out', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
    stack.resetCounts();
    const res = await stack.query(`query($no: Boolean!) { company(id: ${id}) { name organization @include(if: $no) { name } } }`, { no: false });
    expect(res.body).toEqual({ data: { company: { name: expect.any(String) } } });
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
  });
});
