import { walk } from '../helpers/paging.js';
import { startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const PAGE = `query($id: Int!, $first: Int, $after: String, $last: Int, $before: String) {
  partner(id: $id) { companyRelationships(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { relationshipId } } } } }`;

/** One page of a partner's relationships, with the relationship ids as its items. */
async function partnerPage(variables: Record<string, unknown>, on: Stack = stack) {
  const res = await on.query(PAGE, variables);
  expect(res.body.errors).toBeUndefined();
  const conn = res.body.data.partner.companyRelationships;
  return { ...conn, items: conn.edges.map((e: any) => e.node.relationshipId as number) };
}

describe('Partner.companyRelationships paging over the 200+ list', () => {
  it('walks forward, then backward, with no gap or duplicate, one upstream request per page', async () => {
    const { dataset, iqmetrix } = stack.sims;
    const partnerId = dataset.fixtures.bigPartnerId;
    const expected = dataset.partners.get(partnerId)!.map((r) => r.RelationshipId);
    expect(expected.length).toBeGreaterThan(200);

    for (const size of [100, 37]) {
      stack.resetCounts();
      const forward = await walk('forward', async (after) => {
        const conn = await partnerPage({ id: partnerId, first: size, after });
        expect(conn.totalCount).toBe(expected.length);
        expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
        return conn;
      });
      expect(forward.items).toEqual(expected);
      expect(iqmetrix.requests.count()).toBe(forward.pages);
    }

    stack.resetCounts();
    const backward = await walk('backward', (before) => partnerPage({ id: partnerId, last: 50, before }));
    expect(backward.items).toEqual(expected);
    // `last` without `before` needs the count first (one extra request); with `before`, one each.
    expect(iqmetrix.requests.count()).toBe(backward.pages + 1);
  });

  it('defaults to 20 and reports exact page info in the middle', async () => {
    const partnerId = stack.sims.dataset.fixtures.bigPartnerId;
    const first = await stack.query(PAGE, { id: partnerId });
    expect(first.body.data.partner.companyRelationships.edges).toHaveLength(20);
    const next = await stack.query(PAGE, { id: partnerId, first: 5, after: first.body.data.partner.companyRelationships.pageInfo.endCursor });
    const expected = stack.sims.dataset.partners.get(partnerId)!.slice(20, 25).map((r) => r.RelationshipId);
    expect(next.body.data.partner.companyRelationships.edges.map((e: any) => e.node.relationshipId)).toEqual(expected);
    expect(next.body.data.partner.companyRelationships.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
  });
});

describe('Organization.relationships paging', () => {
  it('fetches the whole list once per request and pages it in memory, both ways', async () => {
    const { dataset } = stack.sims;
    const orgId = dataset.fixtures.bigOrganizationId;
    const expected = dataset.organizationRelationships.get(orgId)!.map((r) => r.target.id);
    expect(expected.length).toBeGreaterThan(100);
    const ORG_PAGE = `query($id: Int!, $first: Int, $after: String, $last: Int, $before: String) { organization(id: $id) {
      relationships(first: $first, after: $after, last: $last, before: $before) { totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { target { organizationId } } } } }`;

    const orgPage = async (variables: Record<string, unknown>) => {
      const res = await stack.query(ORG_PAGE, { id: orgId, ...variables });
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data.organization.relationships;
      return { pageInfo: conn.pageInfo, items: conn.nodes.map((n: any) => n.target.organizationId as number) };
    };
    expect((await walk('forward', (after) => orgPage({ first: 30, after }))).items).toEqual(expected);
    expect((await walk('backward', (before) => orgPage({ last: 45, before }))).items).toEqual(expected);

    // Two pages of the same list in one operation: one upstream request for the list.
    stack.resetCounts();
    const both = await stack.query(`query($id: Int!) { organization(id: $id) { a: relationships(first: 10) { totalCount } b: relationships(last: 10) { totalCount } } }`, {
      id: orgId,
    });
    expect(both.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations/{id}': 1, 'GET /v2/organizations/{id}/relationships': 1 });
  });
});

describe('edge cases of the partner list', () => {
  it('keeps totalCount the upstream count when a cursor points past the end', async () => {
    const partnerId = stack.sims.dataset.fixtures.bigPartnerId;
    const total = stack.sims.dataset.partners.get(partnerId)!.length;
    const beyond = Buffer.from(`c1|p${partnerId}|999999`).toString('base64url');
    const after = await stack.query(PAGE, { id: partnerId, after: beyond });
    expect(after.body.data.partner.companyRelationships).toMatchObject({ totalCount: total, edges: [], pageInfo: { hasNextPage: false } });
    const before = await stack.query(PAGE, { id: partnerId, last: 2, before: beyond });
    expect(before.body.data.partner.companyRelationships.totalCount).toBe(total);
    expect(before.body.data.partner.companyRelationships.edges.map((e: any) => e.node.relationshipId)).toEqual(
      stack.sims.dataset.partners.get(partnerId)!.slice(-2).map((r) => r.RelationshipId),
    );
  });

  it('rejects an empty cursor', async () => {
    const res = await stack.query(PAGE, { id: stack.sims.dataset.fixtures.bigPartnerId, after: '' });
    expect(res.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  });
});

describe('an upstream answering the old bare array (no count)', () => {
  let bare: Stack;
  beforeAll(async () => {
    bare = await startStack({ sims: { iqmetrix: { bareArray: true } } });
  });
  afterAll(() => bare.close());

  it('still pages forward to the end, and counts back from it for `last`', async () => {
    const partnerId = bare.sims.dataset.fixtures.bigPartnerId;
    const expected = bare.sims.dataset.partners.get(partnerId)!.map((r) => r.RelationshipId);
    const forward = await walk('forward', (after) => partnerPage({ id: partnerId, first: 100, after }, bare));
    expect(forward.items).toEqual(expected);

    const last = await bare.query(PAGE, { id: partnerId, last: 3 });
    expect(last.body.errors).toBeUndefined();
    expect(last.body.data.partner.companyRelationships.edges.map((e: any) => e.node.relationshipId)).toEqual(expected.slice(-3));
    expect(last.body.data.partner.companyRelationships.totalCount).toBe(expected.length);
  });

  it('knows the length even when a page comes back empty: first: 0, or cursors past the end', async () => {
    const partnerId = bare.sims.dataset.fixtures.bigPartnerId;
    const expected = bare.sims.dataset.partners.get(partnerId)!.map((r) => r.RelationshipId);
    const cursor = (offset: number) => Buffer.from(`c1|p${partnerId}|${offset}`).toString('base64url');
    const none = await bare.query(PAGE, { id: partnerId, first: 0 });
    expect(none.body.data.partner.companyRelationships).toMatchObject({ totalCount: 240, pageInfo: { hasNextPage: true } });
    const past = await bare.query(PAGE, { id: partnerId, first: 5, after: cursor(600) });
    expect(past.body.data.partner.companyRelationships).toMatchObject({ totalCount: 240, edges: [], pageInfo: { hasNextPage: false } });
    const back = await bare.query(PAGE, { id: partnerId, last: 3, before: cursor(500) });
    expect(back.body.data.partner.companyRelationships.edges.map((e: any) => e.node.relationshipId)).toEqual(expected.slice(-3));
    expect(back.body.data.partner.companyRelationships.totalCount).toBe(240);
  });

  it('finds a relationship by id past the first pages', async () => {
    const { encodeId } = await import('../../src/graph/ids.js');
    const partnerId = bare.sims.dataset.fixtures.bigPartnerId;
    const target = bare.sims.dataset.partners.get(partnerId)![230]!;
    const res = await bare.query(`query($id: ID!) { node(id: $id) { ... on PartnerRelationship { relationshipId } } }`, {
      id: encodeId('PartnerRelationship', partnerId, target.RelationshipId, target.CompanyId),
    });
    expect(res.body).toEqual({ data: { node: { relationshipId: target.RelationshipId } } });
  });
});
