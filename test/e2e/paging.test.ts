import { startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const PAGE = `query($id: Int!, $first: Int, $after: String, $last: Int, $before: String) {
  partner(id: $id) { companyRelationships(first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { relationshipId } } } } }`;

describe('Partner.companyRelationships paging over the 200+ list', () => {
  it('walks forward, then backward, with no gap or duplicate, one upstream request per page', async () => {
    const { dataset, iqmetrix } = stack.sims;
    const partnerId = dataset.fixtures.bigPartnerId;
    const expected = dataset.partners.get(partnerId)!.map((r) => r.RelationshipId);
    expect(expected.length).toBeGreaterThan(200);

    for (const size of [100, 37]) {
      const forward: number[] = [];
      let after: string | null = null;
      let pages = 0;
      stack.resetCounts();
      for (;;) {
        const res: GraphQLResponse = await stack.query(PAGE, { id: partnerId, first: size, after });
        expect(res.body.errors).toBeUndefined();
        const conn: any = res.body.data.partner.companyRelationships;
        expect(conn.totalCount).toBe(expected.length);
        expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
        forward.push(...conn.edges.map((e: any) => e.node.relationshipId));
        pages++;
        if (!conn.pageInfo.hasNextPage) break;
        after = conn.pageInfo.endCursor;
      }
      expect(forward).toEqual(expected);
      expect(iqmetrix.requests.count()).toBe(pages);
    }

    const backward: number[] = [];
    let before: string | null = null;
    stack.resetCounts();
    let pages = 0;
    for (;;) {
      const res: GraphQLResponse = await stack.query(PAGE, { id: partnerId, last: 50, before });
      expect(res.body.errors).toBeUndefined();
      const conn: any = res.body.data.partner.companyRelationships;
      backward.unshift(...conn.edges.map((e: any) => e.node.relationshipId));
      pages++;
      if (!conn.pageInfo.hasPreviousPage) break;
      before = conn.pageInfo.startCursor;
    }
    expect(backward).toEqual(expected);
    // `last` without `before` needs the count first (one extra request); with `before`, one each.
    expect(iqmetrix.requests.count()).toBe(pages + 1);
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

    const forward: number[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GraphQLResponse = await stack.query(ORG_PAGE, { id: orgId, first: 30, after });
      expect(res.body.errors).toBeUndefined();
      const conn: any = res.body.data.organization.relationships;
      forward.push(...conn.nodes.map((n: any) => n.target.organizationId));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(forward).toEqual(expected);

    const backward: number[] = [];
    let before: string | null = null;
    for (;;) {
      const res: GraphQLResponse = await stack.query(ORG_PAGE, { id: orgId, last: 45, before });
      const conn: any = res.body.data.organization.relationships;
      backward.unshift(...conn.nodes.map((n: any) => n.target.organizationId));
      if (!conn.pageInfo.hasPreviousPage) break;
      before = conn.pageInfo.startCursor;
    }
    expect(backward).toEqual(expected);

    // Two pages of the same list in one operation: one upstream request for the list.
    stack.resetCounts();
    const both = await stack.query(`query($id: Int!) { organization(id: $id) { a: relationships(first: 10) { totalCount } b: relationships(last: 10) { totalCount } } }`, {
      id: orgId,
    });
    expect(both.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations/{id}': 1, 'GET /v2/organizations/{id}/relationships': 1 });
  });
});
