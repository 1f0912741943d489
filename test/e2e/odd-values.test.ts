import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { encodeId } from '../../src/graph/ids.js';
import { codes, startStack, type Stack } from '../helpers/stack.js';

// A bad value fails only what holds it (issue 11, item 2). One odd value in one upstream record,
// rewritten by the simulators over real HTTP, must fail only the fields that show it: a query
// that does not ask for it gets everything, in lists and in batches; a query that asks for it
// gets UPSTREAM_UNAVAILABLE at that value's path, and the non-null rules decide the rest.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());
afterEach(() => {
  stack.sims.iqmetrix.faults.clear();
  stack.sims.inspectorio.faults.clear();
});

const PARTNER = 36;
const TOO_BIG = 3_000_000_000;
const setIq = (route: string, spec: object) => stack.sims.iqmetrix.faults.set(route, spec);
const setInsp = (route: string, spec: object) => stack.sims.inspectorio.faults.set(route, spec);
const page = () => stack.sims.dataset.partners.get(PARTNER)!.slice(0, 25);

function upstreamErrors(res: Awaited<ReturnType<Stack['query']>>) {
  return (res.body.errors ?? []).map((e) => ({ code: e.extensions?.code, upstream: e.extensions?.upstream, path: e.path }));
}

describe('an integer id beyond GraphQL Int in a partner page', () => {
  // The second relationship of the partner's list, in whichever page it comes.
  beforeEach(() => setIq(IQMETRIX.routes.partnerCompanyRelationships.name, { rewrite: { path: `items.RelationshipId=${page()[1]!.RelationshipId}.CompanyId`, value: TOO_BIG } }));

  it('leaves every relationship complete for a query that does not ask for it', async () => {
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 25) {
      totalCount edges { cursor node { relationshipId createdAt company { name } } } } } }`, { id: PARTNER });
    expect(res.body.errors).toBeUndefined();
    const edges = res.body.data.partner.companyRelationships.edges;
    expect(edges).toHaveLength(25);
    expect(edges.map((e: any) => e.node.company.name)).toEqual(page().map((r) => r.CompanyName));
    expect(edges.map((e: any) => e.node.relationshipId)).toEqual(page().map((r) => r.RelationshipId));
  });

  it('answers UPSTREAM_UNAVAILABLE at that value’s path when asked, and non-null rules decide how far the null reaches', async () => {
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 25) { edges { node { company { companyId } } } } } }`, { id: PARTNER });
    expect(upstreamErrors(res)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['partner', 'companyRelationships', 'edges', 1, 'node', 'company', 'companyId'] },
    ]);
    expect(res.body.errors![0]!.message).toMatch(/CompanyId/);
    expect(res.body.errors![0]!.message).not.toMatch(/3000000000|Int cannot represent/);
    // companyId → Company! → PartnerRelationship! → edge! → edges! → connection! → partner.
    expect(res.body.data).toEqual({ partner: null });
  });

  it('fails only the fields that need the id: the company’s name still answers, its organization and id do not', async () => {
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 3) { nodes {
      company { name organization { organizationId } } } } } }`, { id: PARTNER });
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors![0]!.path).toEqual(['partner', 'companyRelationships', 'nodes', 1, 'company', 'organization']);
    // `organization` is nullable: the company stands with its name.
    expect(res.body.data.partner.companyRelationships.nodes[1].company).toEqual({ name: page()[1]!.CompanyName, organization: null });
    expect(res.body.data.partner.companyRelationships.nodes[0].company.organization).not.toBeNull();
  });

  it('mints no id that node() would refuse: every id issued is fetched back, the bad one is an error instead', async () => {
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 5) { edges { node { id } } } } }`, { id: PARTNER });
    expect(upstreamErrors(res)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['partner', 'companyRelationships', 'edges', 1, 'node', 'id'] },
    ]);
    // `id: ID!` nulls its node, and so on up: ask again without the bad item to collect the good ids.
    const good = await stack.query(`query($id: Int!, $after: String) { partner(id: $id) { companyRelationships(first: 3, after: $after) { nodes { id } } } }`, {
      id: PARTNER,
      after: Buffer.from(`c1|p${PARTNER}|1`).toString('base64url'),
    });
    expect(good.body.errors).toBeUndefined();
    const ids: string[] = good.body.data.partner.companyRelationships.nodes.map((n: any) => n.id);
    const back = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on PartnerRelationship { relationshipId } } }`, { ids });
    expect(back.body.errors).toBeUndefined();
    expect(back.body.data.nodes.map((n: any) => n.id)).toEqual(ids);
  });
});

describe('other range-limited values of a partner page', () => {
  it('a malformed CreatedUtc fails that createdAt only', async () => {
    setIq(IQMETRIX.routes.partnerCompanyRelationships.name, { rewrite: { path: 'items.2.CreatedUtc', value: 'yesterday' } });
    const without = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 5) { nodes { relationshipId company { name } } } } }`, { id: PARTNER });
    expect(without.body.errors).toBeUndefined();
    expect(without.body.data.partner.companyRelationships.nodes).toHaveLength(5);
    const asked = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 5) { nodes { createdAt } } } }`, { id: PARTNER });
    expect(upstreamErrors(asked)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['partner', 'companyRelationships', 'nodes', 2, 'createdAt'] },
    ]);
  });

  it('a count beyond GraphQL Int fails totalCount only; paging still works', async () => {
    setIq(IQMETRIX.routes.partnerCompanyRelationships.name, { rewrite: { path: '_metadata.count', value: TOO_BIG } });
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 5) { pageInfo { hasNextPage } nodes { relationshipId } } } }`, { id: PARTNER });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.partner.companyRelationships.pageInfo.hasNextPage).toBe(true);
    const count = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 5) { totalCount } } }`, { id: PARTNER });
    expect(upstreamErrors(count)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['partner', 'companyRelationships', 'totalCount'] }]);
  });

  it('a company’s odd field fails that field only (company endpoint)', async () => {
    const id = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
    setIq(IQMETRIX.routes.company.name, { rewrite: [{ path: 'Description', value: 42 }, { path: 'Logo', value: { Id: 'x', Width: TOO_BIG } }] });
    const res = await stack.query(`query($id: Int!) { company(id: $id) { name description logo { id width } } }`, { id });
    expect(upstreamErrors(res).sort((x, y) => String(x.path).localeCompare(String(y.path)))).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['company', 'description'] },
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['company', 'logo', 'width'] },
    ]);
    expect(res.body.data.company).toEqual({ name: stack.sims.dataset.companies.get(id)!.Name, description: null, logo: { id: 'x', width: null } });
  });
});

describe('an organization type letter the contract does not list', () => {
  const ORG = 6000;
  const list = () => stack.sims.dataset.organizationRelationships.get(ORG)!;

  it('in a relationship list: every relationship stands, and `type` answers UNKNOWN', async () => {
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.2.target.type', value: 'T' }, urlContains: `/${ORG}/` });
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { name relationships(first: 100) { totalCount nodes { target { name type } permissions } } } }`, { id: ORG });
    expect(res.body.errors).toBeUndefined();
    const nodes = res.body.data.organization.relationships.nodes;
    expect(nodes).toHaveLength(list().length);
    expect(nodes.map((n: any) => n.target.name)).toEqual(list().map((r) => r.target.name));
    expect(nodes[2].target.type).toBe('UNKNOWN');
    // The forward-compatible value filters like any other.
    const filtered = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(filter: { targetTypes: [UNKNOWN] }) { totalCount nodes { target { organizationId } } } } }`, { id: ORG });
    expect(filtered.body.errors).toBeUndefined();
    expect(filtered.body.data.organization.relationships).toEqual({ totalCount: 1, nodes: [{ target: { organizationId: list()[2]!.target.id } }] });
  });

  it('in the externalId batch: every other company’s organization stands', async () => {
    const ids = page().map((r) => r.CompanyId);
    setInsp(INSPECTORIO.routes.organizations.name, { rewrite: { path: `data.id=${ORG}.type`, value: 'T' } });
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 25) { nodes { company { companyId organization { organizationId name type } } } } } }`, { id: PARTNER });
    expect(res.body.errors).toBeUndefined();
    const orgs = res.body.data.partner.companyRelationships.nodes.map((n: any) => n.company.organization);
    const linked = orgs.filter((o: any) => o !== null);
    expect(linked.length).toBeGreaterThan(10);
    expect(orgs.find((o: any) => o?.organizationId === ORG)).toMatchObject({ type: 'UNKNOWN' });
    expect(linked.filter((o: any) => o.type === 'UNKNOWN')).toHaveLength(1);
    expect(ids).toContain(Number(stack.sims.dataset.organizations.get(ORG)!.externalId));
  });

  it('a type that is no letter at all fails `type` at that path only, in the batch', async () => {
    setInsp(INSPECTORIO.routes.organizations.name, { rewrite: { path: `data.id=${ORG}.type`, value: 7 } });
    const names = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 25) { nodes { company { organization { name } } } } } }`, { id: PARTNER });
    expect(names.body.errors).toBeUndefined();
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 25) { nodes { company { companyId organization { type } } } } } }`, { id: PARTNER });
    const at = page().findIndex((r) => String(r.CompanyId) === stack.sims.dataset.organizations.get(ORG)!.externalId);
    expect(upstreamErrors(res)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['partner', 'companyRelationships', 'nodes', at, 'company', 'organization', 'type'] },
    ]);
    const nodes = res.body.data.partner.companyRelationships.nodes;
    expect(nodes[at].company.organization).toBeNull();
    expect(nodes.filter((n: any) => n.company.organization !== null).length).toBeGreaterThan(10);
  });

  it('an externalId that cannot be read in the batch: the ids of that call left unmatched get its error, never a false “none”', async () => {
    setInsp(INSPECTORIO.routes.organizations.name, { rewrite: { path: `data.id=${ORG}.externalId`, value: 42 } });
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 25) { nodes { company { companyId organization { organizationId } } } } } }`, { id: PARTNER });
    const nodes = res.body.data.partner.companyRelationships.nodes;
    const at = page().findIndex((r) => String(r.CompanyId) === stack.sims.dataset.organizations.get(ORG)!.externalId);
    // The organization whose externalId was unreadable cannot be matched; its company's organization is an error.
    expect(nodes[at].company.organization).toBeNull();
    expect(upstreamErrors(res)).toContainEqual({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['partner', 'companyRelationships', 'nodes', at, 'company', 'organization'] });
    // Every company with an organization of its own still has it.
    const linked = nodes.filter((n: any) => n.company.organization !== null);
    expect(linked.length).toBeGreaterThan(10);
    for (const n of linked) expect(String(stack.sims.dataset.organizations.get(n.company.organization.organizationId)!.externalId)).toBe(String(n.company.companyId));
  });

  it('an organization id beyond GraphQL Int in the batch: the organization answers what it can, and mints no id', async () => {
    setInsp(INSPECTORIO.routes.organizations.name, { rewrite: { path: `data.id=${ORG}.id`, value: TOO_BIG } });
    const companyId = Number(stack.sims.dataset.organizations.get(ORG)!.externalId);
    const res = await stack.query(`query($id: Int!) { company(id: $id) { organization { name externalId } } }`, { id: companyId });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.company.organization).toEqual({ name: stack.sims.dataset.organizations.get(ORG)!.name, externalId: String(companyId) });
    const ids = await stack.query(`query($id: Int!) { company(id: $id) { organization { name id } } }`, { id: companyId });
    expect(upstreamErrors(ids)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['company', 'organization', 'id'] }]);
  });
});

describe('enum-like and nested values of a relationship list', () => {
  const ORG = 6000;

  it('a permission the gateway does not know is left out; the rest stand', async () => {
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.0.permissions', value: ['read', 'teleport', 'share'] } });
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 2) { nodes { permissions } } } }`, { id: ORG });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.organization.relationships.nodes[0].permissions).toEqual(['READ', 'SHARE']);
  });

  it('a contact that is no object fails that contact; other relationships and fields stand', async () => {
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.1.contacts', value: ['not a contact'] } });
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 3) { nodes { target { name } contacts { email } } } } }`, { id: ORG });
    expect(upstreamErrors(res)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['organization', 'relationships', 'nodes', 1, 'contacts', 0] },
    ]);
    const other = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 3) { nodes { target { name } types } } } }`, { id: ORG });
    expect(other.body.errors).toBeUndefined();
    expect(other.body.data.organization.relationships.nodes).toHaveLength(3);
  });

  it('free-form and list members of the wrong kind fail their own field: customFields, contacts, permissions, attributes', async () => {
    const cases: Array<[string, unknown, string]> = [
      ['customFields', ['not', 'an', 'object'], 'customFields'],
      ['contacts', 'nobody', 'contacts { email }'],
      ['permissions', 'read', 'permissions'],
    ];
    for (const [field, value, selection] of cases) {
      setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: `data.1.${field}`, value } });
      const res = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 3) { nodes { target { name } ${selection} } } } }`, { id: ORG });
      expect(upstreamErrors(res)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['organization', 'relationships', 'nodes', 1, field] }]);
      // Not asked for, the same answer is complete.
      const names = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 3) { nodes { target { name } types } } } }`, { id: ORG });
      expect(names.body.errors).toBeUndefined();
      expect(names.body.data.organization.relationships.nodes).toHaveLength(3);
    }
    const companyId = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
    setIq(IQMETRIX.routes.company.name, { rewrite: { path: 'Attributes', value: 'colour=red' } });
    const company = await stack.query(`query($id: Int!) { company(id: $id) { name attributes } }`, { id: companyId });
    expect(upstreamErrors(company)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', path: ['company', 'attributes'] }]);
    expect(company.body.data.company).toEqual({ name: stack.sims.dataset.companies.get(companyId)!.Name, attributes: null });
  });

  it('a target id beyond GraphQL Int: the relationship’s id is an error, never a minted id', async () => {
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.0.target.id', value: TOO_BIG } });
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 2) { nodes { target { name } } } } }`, { id: ORG });
    expect(res.body.errors).toBeUndefined();
    const ids = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 2) { edges { node { id } } } } }`, { id: ORG });
    expect(upstreamErrors(ids)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['organization', 'relationships', 'edges', 0, 'node', 'id'] }]);
  });

  it('the node id of an organization minted from a sound record is fetched back', async () => {
    const res = await stack.query(`query($id: ID!) { node(id: $id) { ... on Organization { organizationId } } }`, { id: encodeId('Organization', ORG) });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.node.organizationId).toBe(ORG);
  });
});

describe('an upstream value used as another upstream’s key passes the same key rule (isIdKey)', () => {
  const ORG = 6000;
  const COMPANY = IQMETRIX.routes.company.name;

  it('an externalId naming a CompanyId beyond GraphQL Int: `company` fails at its path, and iQmetrix is never asked', async () => {
    setInsp(INSPECTORIO.routes.organization.name, { rewrite: { path: 'externalId', value: String(TOO_BIG) } });
    stack.sims.iqmetrix.requests.reset();
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { name externalId company { companyId name } } }`, { id: ORG });
    expect(upstreamErrors(res)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['organization', 'company'] }]);
    expect(res.body.errors![0]!.message).toMatch(/externalId/);
    expect(res.body.errors![0]!.message).not.toMatch(/3000000000|32-bit integer value|INTERNAL/);
    expect(res.body.data.organization).toEqual({ name: stack.sims.dataset.organizations.get(ORG)!.name, externalId: String(TOO_BIG), company: null });
    expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(0);
  });

  it('so does one of any length, and one in a relationship’s target: only that target’s `company` fails', async () => {
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.0.target.externalId', value: '9'.repeat(40) } });
    stack.sims.iqmetrix.requests.reset();
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 2) { nodes { target { name company { companyId } } } } } }`, { id: ORG });
    expect(upstreamErrors(res)).toEqual([{ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['organization', 'relationships', 'nodes', 0, 'target', 'company'] }]);
    expect(res.body.data.organization.relationships.nodes[0].target.name).toBe(stack.sims.dataset.organizationRelationships.get(ORG)![0]!.target.name);
    expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(0);
  });

  it('a leadSupplier id beyond GraphQL Int fails the fields that show it, never the relationship', async () => {
    const at = stack.sims.dataset.organizationRelationships.get(ORG)!.findIndex((r) => r.leadSupplier !== null);
    expect(at).toBeGreaterThanOrEqual(0);
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: `data.${at}.leadSupplier.id`, value: TOO_BIG } });
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 100) { nodes { target { name } leadSupplier { name organizationId id } } } } }`, { id: ORG });
    // organizationId is asked before id: its error (Int!) nulls the leadSupplier, so id is not completed.
    expect(upstreamErrors(res)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio', path: ['organization', 'relationships', 'nodes', at, 'leadSupplier', 'organizationId'] },
    ]);
    // organizationId: Int! and id: ID! null the leadSupplier (nullable): the relationship stands.
    expect(res.body.data.organization.relationships.nodes[at]).toEqual({ target: { name: expect.any(String) }, leadSupplier: null });
  });

  it('an entity representation’s key beyond GraphQL Int is BAD_USER_INPUT for that item only, with nothing sent', async () => {
    stack.sims.iqmetrix.requests.reset();
    const companyId = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
    const res = await stack.query(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { companyId } } }`, {
      r: [{ __typename: 'Company', companyId: TOO_BIG }, { __typename: 'Company', companyId }],
    });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.path).toEqual(['_entities', 0]);
    expect(res.body.data._entities).toEqual([null, { companyId }]);
    expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(1);
  });
});

describe('a filter over a value that cannot be read (documented on `filter`: such an item never matches)', () => {
  const ORG = 6000;
  const list = () => stack.sims.dataset.organizationRelationships.get(ORG)!;
  const TYPE_LETTERS: Record<string, string> = { F: 'FACTORY', S: 'SUPPLIER', R: 'RETAILER', B: 'BRAND', I: 'INSPECTION_AGENCY' };
  const query = `query($id: Int!, $filter: OrganizationRelationshipFilter) { organization(id: $id) { relationships(first: 100, filter: $filter) {
    totalCount nodes { target { organizationId } } } } }`;

  it('a target type that is no letter: left out of `targetTypes` lists and their totalCount; the unfiltered list keeps it', async () => {
    const bad = list()[0]!;
    const targetType = TYPE_LETTERS[bad.target.type]!;
    const expected = list().filter((r) => r !== bad && TYPE_LETTERS[r.target.type] === targetType).map((r) => r.target.id);
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.0.target.type', value: 7 } });
    const res = await stack.query(query, { id: ORG, filter: { targetTypes: [targetType] } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.organization.relationships.totalCount).toBe(expected.length);
    expect(res.body.data.organization.relationships.nodes.map((n: any) => n.target.organizationId)).toEqual(expected);
    const all = await stack.query(query, { id: ORG });
    expect(all.body.errors).toBeUndefined();
    expect(all.body.data.organization.relationships.totalCount).toBe(list().length);
  });

  it('a relationship type entry that is no string never matches `types`; the relationship’s readable types still do', async () => {
    const at = list().findIndex((r) => r.types.length > 0);
    const first = list()[at]!;
    const type = first.types[0]!;
    const expected = list().filter((r, i) => i !== at && r.types.includes(type)).map((r) => r.target.id);
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: `data.${at}.types`, value: [42] } });
    const res = await stack.query(query, { id: ORG, filter: { types: [type] } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.organization.relationships.totalCount).toBe(expected.length);
    expect(res.body.data.organization.relationships.nodes.map((n: any) => n.target.organizationId)).toEqual(expected);
    // With a readable type beside the bad one, the relationship matches by the readable one.
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: `data.${at}.types`, value: [42, type] } });
    const withReadable = await stack.query(query, { id: ORG, filter: { types: [type] } });
    expect(withReadable.body.data.organization.relationships.nodes.map((n: any) => n.target.organizationId)).toEqual(
      list().filter((r, i) => i === at || r.types.includes(type)).map((r) => r.target.id),
    );
  });

  it('a target that is no object never matches `targetTypes`', async () => {
    const bad = list()[0]!;
    const targetType = TYPE_LETTERS[bad.target.type]!;
    setInsp(INSPECTORIO.routes.organizationRelationships.name, { rewrite: { path: 'data.0.target', value: 'gone' } });
    const res = await stack.query(query, { id: ORG, filter: { targetTypes: [targetType] } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.organization.relationships.nodes.map((n: any) => n.target.organizationId)).not.toContain(bad.target.id);
    expect(res.body.data.organization.relationships.totalCount).toBe(list().filter((r) => r !== bad && TYPE_LETTERS[r.target.type] === targetType).length);
  });
});
