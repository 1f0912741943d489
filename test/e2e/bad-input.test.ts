import { encodeId } from '../../src/graph/ids.js';
import { codes, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('BAD_USER_INPUT', () => {
  const partnerId = () => stack.sims.dataset.fixtures.bigPartnerId;
  const orgId = () => stack.sims.dataset.fixtures.bigOrganizationId;

  async function cursorOf(query: string, variables: Record<string, unknown>, pick: (data: any) => string): Promise<string> {
    const res = await stack.query(query, variables);
    return pick(res.body.data);
  }

  it.each([
    ['more than 100', '(first: 101)'],
    ['negative first', '(first: -1)'],
    ['negative last', '(last: -3)'],
    ['first with last', '(first: 2, last: 2)'],
    ['a cursor this server did not issue', '(after: "bm90LWEtY3Vyc29y")'],
    ['garbage cursor', '(before: "***")'],
  ])('partner relationships: %s, with no upstream call for the page', async (_, args) => {
    stack.resetCounts();
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { partnerId companyRelationships${args} { totalCount } } }`, { id: partnerId() });
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.path).toEqual(['partner', 'companyRelationships']);
    expect(res.body.data).toEqual({ partner: null });
    // The partner's existence check (count only) is the one call made.
    expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 1 });
  });

  it.each([
    ['more than 100', '(last: 500)'],
    ['first with last', '(first: 1, last: 1)'],
    ['a foreign cursor', '(after: "Zm9yZWlnbg")'],
  ])('organization relationships: %s, with no call for the list', async (_, args) => {
    stack.resetCounts();
    const res = await stack.query(`query($id: Int!) { organization(id: $id) { name relationships${args} { totalCount } } }`, { id: orgId() });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations/{id}': 1 });
  });

  it('rejects a cursor of another list, and of the same list under another filter', async () => {
    const otherPartner = [...stack.sims.dataset.partners.entries()].find(([id, list]) => id !== partnerId() && list.length > 3)![0];
    const cursor = await cursorOf(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 2) { pageInfo { endCursor } } } }`, { id: otherPartner }, (d) => d.partner.companyRelationships.pageInfo.endCursor);
    const res = await stack.query(`query($id: Int!, $c: String!) { partner(id: $id) { companyRelationships(after: $c) { totalCount } } }`, { id: partnerId(), c: cursor });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);

    const orgCursor = await cursorOf(`query($id: Int!) { organization(id: $id) { relationships(first: 2) { pageInfo { endCursor } } } }`, { id: orgId() }, (d) => d.organization.relationships.pageInfo.endCursor);
    const filtered = await stack.query(`query($id: Int!, $c: String!) { organization(id: $id) { relationships(after: $c, filter: { targetTypes: [FACTORY] }) { totalCount } } }`, { id: orgId(), c: orgCursor });
    expect(codes(filtered)).toEqual(['BAD_USER_INPUT']);
    const sameFilter = await stack.query(`query($id: Int!, $c: String!) { organization(id: $id) { relationships(after: $c) { totalCount } } }`, { id: orgId(), c: orgCursor });
    expect(sameFilter.body.errors).toBeUndefined();
  });

  it('rejects malformed and foreign ids in node and nodes, per position', async () => {
    const single = await stack.query(`{ node(id: "definitely-not-an-id") { id } }`);
    expect(single.body.data).toEqual({ node: null });
    expect(codes(single)).toEqual(['BAD_USER_INPUT']);

    const good = encodeId('Company', stack.sims.dataset.fixtures.linkedCompanyIds[0]!);
    const many = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [good, Buffer.from('Widget:1').toString('base64url')] });
    expect(many.body.data).toEqual({ nodes: [{ id: good }, null] });
    expect(codes(many)).toEqual(['BAD_USER_INPUT']);
    expect(many.body.errors![0]!.path).toEqual(['nodes', 1]);
  });

  it('rejects more than 100 ids in nodes, and non-positive ids', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => encodeId('Company', i + 1));
    const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    const neg = await stack.query(`{ company(id: -5) { name } }`);
    expect(codes(neg)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers a query that does not validate with GRAPHQL_VALIDATION_FAILED and HTTP 400', async () => {
    const res = await stack.query(`{ company(id: 1) { noSuchField } }`);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('answers a variable of the wrong type with BAD_USER_INPUT and HTTP 400', async () => {
    const res = await stack.query(`query($id: Int!) { company(id: $id) { name } }`, { id: 'abc' });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('organizationByExternalId input', () => {
  it('rejects a comma and ill-formed Unicode without touching the other lookups of the batch', async () => {
    const companyId = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
    stack.resetCounts();
    const res = await stack.query(`query($ok: String!, $comma: String!, $lone: String!) {
      ok: organizationByExternalId(externalId: $ok) { externalId }
      comma: organizationByExternalId(externalId: $comma) { externalId }
      lone: organizationByExternalId(externalId: $lone) { externalId } }`, { ok: String(companyId), comma: '1,2', lone: '\ud800x' });
    expect(res.body.data).toEqual({ ok: { externalId: String(companyId) }, comma: null, lone: null });
    expect(codes(res)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations': 1 });
  });

  it('splits long ids over several calls so that no URL grows past a few kilobytes', async () => {
    const long = Array.from({ length: 8 }, (_, i) => `${'株'.repeat(250)}${i}`);
    const fields = long.map((_, i) => `o${i}: organizationByExternalId(externalId: $e${i}) { name }`).join(' ');
    const vars = long.map((_, i) => `$e${i}: String!`).join(', ');
    stack.resetCounts();
    const res = await stack.query(`query(${vars}) { ${fields} }`, Object.fromEntries(long.map((v, i) => [`e${i}`, v])));
    expect(codes(res)).toEqual(Array(8).fill('NOT_FOUND'));
    const calls = stack.upstreamRequests()['GET /v1/organizations']!;
    expect(calls).toBeGreaterThan(1);
    expect(Math.max(...stack.sims.inspectorio.requests.entries().map((e) => e.url.length))).toBeLessThan(4_200);
  });
});

describe('page sizes over 100 under the cost limit', () => {
  it('are BAD_USER_INPUT from the connection, not a cost refusal', async () => {
    stack.resetCounts();
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 3000) { nodes { company { organization { name } } } } } }`, {
      id: stack.sims.dataset.fixtures.bigPartnerId,
    });
    expect(res.status).toBe(200);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });
});
