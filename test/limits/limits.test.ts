import { Lexer, Source, TokenKind } from 'graphql';
import { request } from 'undici';
import { codes, startStack, type GraphQLResponse, type Stack } from '../helpers/stack.js';
import { PARTNER_SUPPLY_NETWORK, THREE_PAGES_OF_100_DEEP } from './queries.js';

// Every refusal happens before execution: the simulators must see no request at all.

/** `organization { company { organization { … } } }`, `levels` fields deep ending in `name`. */
function nested(levels: number): string {
  let selection = 'name';
  for (let level = levels - 1; level >= 1; level--) {
    const field = level === 1 ? 'organization(id: $id)' : level % 2 === 1 ? 'organization' : 'company';
    selection = `${field} { ${selection} }`;
  }
  return `query($id: Int!) { ${selection} }`;
}

function tokenCount(query: string): number {
  const lexer = new Lexer(new Source(query));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count++;
  return count;
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; contentType: string; json: any }> {
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.body.text();
  return { status: response.statusCode, contentType: String(response.headers['content-type']), json: JSON.parse(text) };
}

function expectRefused(res: GraphQLResponse, code: string): Record<string, any> {
  expect(res.status).toBe(400);
  expect(codes(res)).toEqual([code]);
  expect(res.body.data).toBeUndefined();
  // Apollo takes `extensions.http` as the response status and leaves it out of the body.
  expect(res.body.errors![0]!.extensions).not.toHaveProperty('http');
  return res.body.errors![0]!.extensions!;
}

describe('with the default limits', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounts());
  const orgId = () => stack.sims.dataset.fixtures.bigOrganizationId;

  it('answers PartnerSupplyNetwork (depth 10, cost 629)', async () => {
    const res = await stack.query(PARTNER_SUPPLY_NETWORK, { partnerId: stack.sims.dataset.fixtures.bigPartnerId });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.partner.companyRelationships.edges).toHaveLength(25);
    expect(Object.keys(stack.upstreamRequests()).length).toBeGreaterThan(0);
  });

  it('refuses three nested connections of 100 with COST_LIMIT_EXCEEDED, cost and maxCost', async () => {
    const res = await stack.query(THREE_PAGES_OF_100_DEEP, { id: orgId() });
    const extensions = expectRefused(res, 'COST_LIMIT_EXCEEDED');
    expect(extensions.maxCost).toBe(5000);
    expect(extensions.cost).toBeGreaterThan(5000);
    expect(res.body.errors![0]!.message).toMatch(/costs at least \d+, over the limit of 5000/);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('counts page sizes given in variables, and lets @skip make a query affordable', async () => {
    const query = `query($id: Int!, $n: Int!, $cheap: Boolean = false) { organization(id: $id) { relationships(first: $n) { nodes {
      target @skip(if: $cheap) { relationships(first: $n) { nodes { target { name } } } } } } } }`;
    const expensive = await stack.query(query, { id: orgId(), n: 100 });
    expectRefused(expensive, 'COST_LIMIT_EXCEEDED');
    expect(stack.upstreamRequests()).toEqual({});

    const small = await stack.query(query, { id: orgId(), n: 5 });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    const skipped = await stack.query(query, { id: orgId(), n: 100, cheap: true });
    expect(skipped.status).toBe(200);
    expect(skipped.body.errors).toBeUndefined();
  });

  it('counts the ids of nodes(ids:)', async () => {
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization { relationships(first: 100) { nodes { target { name } } } } } }`;
    const res = await stack.query(query, { ids: Array.from({ length: 60 }, (_, i) => `id-${i}`) });
    expect(expectRefused(res, 'COST_LIMIT_EXCEEDED').cost).toBeGreaterThan(5000);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('refuses more than 15 levels with DEPTH_LIMIT_EXCEEDED, and takes 15', async () => {
    const res = await stack.query(nested(16), { id: orgId() });
    expect(expectRefused(res, 'DEPTH_LIMIT_EXCEEDED')).toMatchObject({ code: 'DEPTH_LIMIT_EXCEEDED', depth: 16, maxDepth: 15 });
    expect(stack.upstreamRequests()).toEqual({});

    const fits = await stack.query(nested(15), { id: orgId() });
    expect(fits.status).toBe(200);
    expect(codes(fits).filter((c) => c !== 'NOT_FOUND')).toEqual([]);
  });

  it('counts depth through fragments', async () => {
    const query = `query($id: Int!) { organization(id: $id) { ...O } }
      fragment O on Organization { company { organization { company { organization { company { organization { company {
        organization { company { organization { company { organization { company { organization { name } } } } } } } } } } } } } } }`;
    expect(expectRefused(await stack.query(query, { id: orgId() }), 'DEPTH_LIMIT_EXCEEDED').depth).toBe(16);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('refuses more than 30 aliases with ALIAS_LIMIT_EXCEEDED, and takes 30', async () => {
    const aliases = (n: number) => `query($id: Int!) { ${Array.from({ length: n }, (_, i) => `o${i}: organization(id: $id) { name }`).join(' ')} }`;
    const res = await stack.query(aliases(31), { id: orgId() });
    expect(expectRefused(res, 'ALIAS_LIMIT_EXCEEDED')).toMatchObject({ code: 'ALIAS_LIMIT_EXCEEDED', aliases: 31, maxAliases: 30 });
    expect(stack.upstreamRequests()).toEqual({});

    const fits = await stack.query(aliases(30), { id: orgId() });
    expect(fits.status).toBe(200);
    expect(fits.body.errors).toBeUndefined();
  });

  it('refuses more than 2000 tokens with TOKEN_LIMIT_EXCEEDED, and takes 2000', async () => {
    const withTypes = (n: number) =>
      `{ organization(id: ${orgId()}) { relationships(filter: { types: [${Array.from({ length: n }, (_, i) => `"t${i}"`).join(' ')}] }) { totalCount } } }`;
    const over = withTypes(1977);
    expect(tokenCount(over)).toBe(2001);
    const res = await stack.query(over);
    expect(expectRefused(res, 'TOKEN_LIMIT_EXCEEDED')).toMatchObject({ code: 'TOKEN_LIMIT_EXCEEDED', maxTokens: 2000 });
    expect(res.body.errors![0]!.message).toBe('The query has more than 2000 tokens, the most allowed.');
    expect(stack.upstreamRequests()).toEqual({});

    const fits = withTypes(1976);
    expect(tokenCount(fits)).toBe(2000);
    const answered = await stack.query(fits);
    expect(answered.status).toBe(200);
    expect(answered.body.errors).toBeUndefined();
    // Other syntax errors keep Apollo's code.
    expect(codes(await stack.query(`{ company(id: 1) { name }`))).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  it('answers a body over 100 kB with 413 and a GraphQL-shaped BAD_REQUEST', async () => {
    const body = JSON.stringify({ query: `query($id: Int!) { organization(id: $id) { name } }`, variables: { id: orgId(), padding: 'x'.repeat(100 * 1024) } });
    const res = await post(stack.gateway.url, body);
    expect(res.status).toBe(413);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.json).toEqual({ errors: [{ message: 'The request body is larger than 102400 bytes, the most allowed.', extensions: { code: 'BAD_REQUEST' } }] });
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('answers malformed JSON with 400 and a GraphQL-shaped BAD_REQUEST, not an HTML page', async () => {
    const res = await post(stack.gateway.url, `{"query": "query($id: Int!) { organization(id: $id) { name } }", `);
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.json.errors).toEqual([{ message: expect.stringMatching(/^The request body is not valid JSON: /), extensions: { code: 'BAD_REQUEST' } }]);
    expect(stack.upstreamRequests()).toEqual({});
  });
});

describe('with limits from the environment', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { MAX_DEPTH: '4', MAX_COST: '10', MAX_ALIASES: '1', MAX_TOKENS: '100', MAX_BODY_BYTES: '2048' } });
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounts());

  it('applies each of them', async () => {
    const id = stack.sims.dataset.fixtures.bigOrganizationId;
    expect(expectRefused(await stack.query(PARTNER_SUPPLY_NETWORK, { partnerId: 1 }), 'DEPTH_LIMIT_EXCEEDED').maxDepth).toBe(4);
    const ids = Array.from({ length: 11 }, (_, i) => `id-${i}`);
    expect(expectRefused(await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization { company { name } } } }`, { ids }), 'COST_LIMIT_EXCEEDED')).toMatchObject({
      code: 'COST_LIMIT_EXCEEDED',
      cost: 12,
      maxCost: 10,
    });
    expect(expectRefused(await stack.query(`{ a: __typename b: __typename }`), 'ALIAS_LIMIT_EXCEEDED').maxAliases).toBe(1);
    expect(expectRefused(await stack.query(`{ ${'__typename '.repeat(100)} }`), 'TOKEN_LIMIT_EXCEEDED').maxTokens).toBe(100);
    expect((await post(stack.gateway.url, JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(2048) } }))).status).toBe(413);
    expect(stack.upstreamRequests()).toEqual({});

    const fits = await stack.query(`query($id: Int!) { organization(id: $id) { relationships(first: 3) { nodes { types } } } }`, { id });
    expect(fits.status).toBe(200);
    expect(fits.body.errors).toBeUndefined();
  });
});
