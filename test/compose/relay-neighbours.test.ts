import { parse } from 'graphql';
import { loadTypeDefs, subgraphSdlOf } from '../../src/schema.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';
import { composeBoth, type Compositions, type Subgraph } from './compose.js';
import { recordingProxy, startHiveGateway, type HiveGateway, type RecordingProxy } from './hive-gateway.js';
import { reviewGlobalId, reviewsSdl, startReviewsSubgraph, type ReviewRow, type ReviewsMode, type ReviewsSubgraph } from './reviews-subgraph.js';

// Our subgraph in the two roles it can have in a supergraph (README, "Composing into a
// supergraph"), each composed by both composers and served by Hive Gateway in a process of its
// own. Upstream requests are counted at the simulators; what the router sends our subgraph is
// recorded by a proxy in front of it.

/** Every hint Apollo's composer gives for these supergraphs; why each is harmless is in the README. */
const EXPECTED_HINTS = [
  // The neighbour's `Node` has its own description; the supergraph keeps ours. Text only.
  'INCONSISTENT_DESCRIPTION',
  // CacheControlScope is the argument type of our @cacheControl directive, which the subgraph
  // SDL defines; no field uses it, so it lands in the supergraph as an unused enum. Harmless.
  'UNUSED_ENUM_TYPE',
];

let stack: Stack;
let proxy: RecordingProxy;
let rows: ReviewRow[];
/** 250 distinct linked companies, one review each, then three more reviews of the first. */
let companyIds: number[];

beforeAll(async () => {
  stack = await startStack();
  companyIds = linkedCompanyIds(stack.sims.dataset, 250);
  rows = companyIds.map((companyId, i) => ({ reviewId: i + 1, companyId, rating: (i % 5) + 1, body: `Review ${i + 1}` }));
  for (let n = 0; n < 3; n++) rows.push({ reviewId: 251 + n, companyId: companyIds[0]!, rating: 5, body: `Again ${n}` });
  proxy = await recordingProxy(stack.gateway.url);
});

afterAll(async () => {
  await proxy?.close();
  await stack?.close();
});

beforeEach(() => {
  stack.resetCounts();
  proxy.reset();
});

interface Supergraph {
  neighbour: ReviewsSubgraph;
  compositions: Compositions;
  router: HiveGateway;
}

/** Composes our `_service { sdl }` (as served over HTTP) with the neighbour, and starts Hive Gateway on it. */
async function startSupergraph(mode: ReviewsMode): Promise<Supergraph> {
  const neighbour = await startReviewsSubgraph(mode, rows, stack.gateway.url);
  const served = await stack.query('{ _service { sdl } }');
  const subgraphs: Subgraph[] = [
    { name: 'gateway', url: proxy.url, sdl: served.body.data._service.sdl },
    { name: 'reviews', url: neighbour.url, sdl: reviewsSdl(mode) },
  ];
  const compositions = composeBoth(subgraphs);
  if (!compositions.guild.supergraphSdl) throw new Error(`composition failed:\n${compositions.guild.errors.join('\n')}`);
  const router = await startHiveGateway(compositions.guild.supergraphSdl);
  return { neighbour, compositions, router };
}

async function ourId(query: string, variables: Record<string, unknown>): Promise<string> {
  const res = await stack.query(query, variables);
  const id = Object.values(res.body.data ?? {})[0] as { id?: string } | undefined;
  if (!id?.id) throw new Error(`no id: ${JSON.stringify(res.body)}`);
  return id.id;
}

/** The `_entities` calls the router made to our subgraph: representation count by type. */
function entityCalls(): Array<Record<string, number>> {
  return proxy.requests
    .filter((r) => r.query.includes('_entities'))
    .map((r) => {
      const counts: Record<string, number> = {};
      for (const rep of (r.variables?.representations ?? []) as Array<{ __typename: string }>) counts[rep.__typename] = (counts[rep.__typename] ?? 0) + 1;
      return counts;
    });
}

describe('beside a Relay neighbour with its own Node, PageInfo and Query.node', () => {
  let graph: Supergraph;
  beforeAll(async () => {
    graph = await startSupergraph('relay');
  }, 60_000);
  afterAll(async () => {
    await graph?.router.stop();
    await graph?.neighbour.stop();
  });

  it('composes under both composers with 0 errors and only the known hints', () => {
    expect(graph.compositions.apollo.errors).toEqual([]);
    expect(graph.compositions.guild.errors).toEqual([]);
    expect(graph.compositions.apollo.hints.map((h) => h.code).sort()).toEqual(EXPECTED_HINTS);
    expect(graph.compositions.apollo.hints.find((h) => h.code === 'INCONSISTENT_DESCRIPTION')!.message).toContain('"Node"');
    expect(graph.compositions.apollo.hints.find((h) => h.code === 'UNUSED_ENUM_TYPE')!.message).toContain('"CacheControlScope"');
  });

  it('would not compose if the subgraph SDL kept node/nodes and a non-shareable PageInfo: the failure this layout avoids', () => {
    // The public type definitions as they were before: node/nodes in the subgraph SDL, PageInfo not shareable.
    const before = loadTypeDefs().join('\n').replace('type PageInfo @shareable', 'type PageInfo');
    const composed = composeBoth([
      { name: 'gateway', url: 'http://gateway.test/graphql', sdl: subgraphSdlOf(parse(before)) },
      { name: 'reviews', url: 'http://reviews.test/graphql', sdl: reviewsSdl('relay') },
    ]);
    expect(composed.apollo.errors.join('\n')).toMatch(/Non-shareable field "Query\.node" is resolved from multiple subgraphs/);
    expect(composed.apollo.errors.join('\n')).toMatch(/Non-shareable field "PageInfo\.hasNextPage"/);
    expect(composed.guild.errors.join('\n')).toMatch(/Query\.node/);
  });

  it('answers a query that crosses both subgraphs, both ways, with the right data', async () => {
    const { dataset } = stack.sims;
    const result = await graph.router.query(`{
      reviews(first: 3) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { id rating body company { companyId name organization { externalId name } reviews(first: 10) { totalCount pageInfo { hasNextPage } } } } }
      }
    }`);
    expect(result.body.errors).toBeUndefined();
    const reviews = result.body.data.reviews;
    expect(reviews.totalCount).toBe(rows.length);
    expect(reviews.pageInfo.hasNextPage).toBe(true);
    expect(reviews.edges).toHaveLength(3);
    reviews.edges.forEach(({ node }: any, i: number) => {
      const row = rows[i]!;
      const organization = [...dataset.organizations.values()].find((o) => o.externalId === String(row.companyId))!;
      expect(node).toEqual({
        id: reviewGlobalId(row.reviewId),
        rating: row.rating,
        body: row.body,
        company: {
          companyId: row.companyId,
          name: dataset.companies.get(row.companyId)!.Name,
          organization: { externalId: String(row.companyId), name: organization.name },
          reviews: { totalCount: rows.filter((r) => r.companyId === row.companyId).length, pageInfo: { hasNextPage: false } },
        },
      });
    });

    // And from our side: a company of ours, with the neighbour's reviews of it.
    const id = companyIds[0]!;
    const ours = await graph.router.query(`query($id: Int!) { company(id: $id) { name reviews(first: 2) { totalCount edges { node { body } } pageInfo { hasNextPage } } } }`, { id });
    expect(ours.body.errors).toBeUndefined();
    expect(ours.body.data).toEqual({
      company: { name: dataset.companies.get(id)!.Name, reviews: { totalCount: 4, edges: [{ node: { body: 'Review 1' } }, { node: { body: 'Again 0' } }], pageInfo: { hasNextPage: true } } },
    });
  });

  it('resolves 250 companies with ONE _entities call to us and one Inspectorio batch per 100 companies', async () => {
    const { dataset } = stack.sims;
    const result = await graph.router.query(`{ reviews(first: 250) { edges { node { company { companyId name organization { externalId } } } } } }`);
    expect(result.body.errors).toBeUndefined();
    const companies = result.body.data.reviews.edges.map((e: any) => e.node.company);
    expect(companies).toHaveLength(250);
    companies.forEach((company: any, i: number) => {
      expect(company).toEqual({ companyId: companyIds[i], name: dataset.companies.get(companyIds[i]!)!.Name, organization: { externalId: String(companyIds[i]) } });
    });
    expect(entityCalls()).toEqual([{ Company: 250 }]);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 250, 'GET /v1/organizations': 3 });
  });

  it("serves the neighbour's own ids through the supergraph's node, which is the neighbour's", async () => {
    const result = await graph.router.query(`query($id: ID!) { node(id: $id) { id ... on Review { body company { name } } } }`, { id: reviewGlobalId(2) });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.node).toEqual({ id: reviewGlobalId(2), body: 'Review 2', company: { name: stack.sims.dataset.companies.get(companyIds[1]!)!.Name } });
    // In this role the supergraph's `node` does not know our ids: our clients fetch our objects
    // by their typed root fields, or the supergraph gives `node` to a directory (next block).
    const companyId = await ourId('query($id: Int!) { company(id: $id) { id } }', { id: companyIds[0] });
    const ours = await graph.router.query(`query($id: ID!) { node(id: $id) { id } }`, { id: companyId });
    expect(ours.body.data.node).toBeNull();
  });
});

describe('beside a neighbour that is the supergraph’s node directory', () => {
  let graph: Supergraph;
  beforeAll(async () => {
    graph = await startSupergraph('directory');
  }, 60_000);
  afterAll(async () => {
    await graph?.router.stop();
    await graph?.neighbour.stop();
  });

  it('composes under both composers with 0 errors and only the known hints', () => {
    expect(graph.compositions.apollo.errors).toEqual([]);
    expect(graph.compositions.guild.errors).toEqual([]);
    expect(graph.compositions.apollo.hints.map((h) => h.code).sort()).toEqual(EXPECTED_HINTS);
  });

  it('answers node(id) for ids of both subgraphs, the rest of each object from the subgraph that owns it', async () => {
    const { dataset } = stack.sims;
    const companyId = companyIds[5]!;
    const partnerId = dataset.fixtures.bigPartnerId;
    const organization = [...dataset.organizations.values()].find((o) => o.externalId === String(companyId))!;
    const ids = {
      company: await ourId('query($id: Int!) { company(id: $id) { id } }', { id: companyId }),
      partner: await ourId('query($id: Int!) { partner(id: $id) { id } }', { id: partnerId }),
      organization: await ourId('query($id: Int!) { organization(id: $id) { id } }', { id: organization.id }),
      review: reviewGlobalId(6),
    };
    const query = `query($id: ID!) { node(id: $id) {
      __typename id
      ... on Company { companyId name organization { name } reviews { totalCount } }
      ... on Partner { partnerId companyRelationships(first: 2) { totalCount } }
      ... on Organization { organizationId name externalId }
      ... on Review { body company { companyId } }
    } }`;
    const answers = await Promise.all(Object.values(ids).map((id) => graph.router.query(query, { id })));
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    expect(answers.map((a) => a.body.data.node)).toEqual([
      { __typename: 'Company', id: ids.company, companyId, name: dataset.companies.get(companyId)!.Name, organization: { name: organization.name }, reviews: { totalCount: 1 } },
      { __typename: 'Partner', id: ids.partner, partnerId, companyRelationships: { totalCount: dataset.partners.get(partnerId)!.length } },
      { __typename: 'Organization', id: ids.organization, organizationId: organization.id, name: organization.name, externalId: String(companyId) },
      { __typename: 'Review', id: ids.review, body: 'Review 6', company: { companyId } },
    ]);
  });

  it('answers node(id) for our relationship ids too, entities keyed by that id', async () => {
    const { dataset } = stack.sims;
    const partnerId = dataset.fixtures.bigPartnerId;
    const organizationId = [...dataset.organizations.values()].find((o) => o.externalId === String(companyIds[0]))!.id;
    const ours = await stack.query(
      `query($p: Int!, $o: Int!) {
        partner(id: $p) { companyRelationships(first: 1) { nodes { id relationshipId company { name } } } }
        organization(id: $o) { relationships(first: 1) { nodes { id target { organizationId name } } } }
      }`,
      { p: partnerId, o: organizationId },
    );
    expect(ours.body.errors).toBeUndefined();
    const partnerRelationship = ours.body.data.partner.companyRelationships.nodes[0];
    const organizationRelationship = ours.body.data.organization.relationships.nodes[0];
    const query = `query($id: ID!) { node(id: $id) {
      __typename id
      ... on PartnerRelationship { relationshipId company { name } }
      ... on OrganizationRelationship { target { organizationId name } }
    } }`;
    const [a, b] = await Promise.all([graph.router.query(query, { id: partnerRelationship.id }), graph.router.query(query, { id: organizationRelationship.id })]);
    expect(a.body.errors).toBeUndefined();
    expect(b.body.errors).toBeUndefined();
    expect(a.body.data.node).toEqual({ __typename: 'PartnerRelationship', ...partnerRelationship });
    expect(b.body.data.node).toEqual({ __typename: 'OrganizationRelationship', ...organizationRelationship });
  });

  it('gives our errors for our ids: NOT_FOUND for an unknown company, BAD_USER_INPUT for a malformed id', async () => {
    const unknown = Buffer.from(`Company:${stack.sims.dataset.fixtures.unknownCompanyId}`, 'utf8').toString('base64url');
    const missing = await graph.router.query(`query($id: ID!) { node(id: $id) { id } }`, { id: unknown });
    expect(missing.body.data).toEqual({ node: null });
    expect(codes(missing)).toEqual(['NOT_FOUND']);
    const malformed = await graph.router.query(`query($id: ID!) { node(id: $id) { id } }`, { id: 'not an id' });
    expect(malformed.body.data).toEqual({ node: null });
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves nodes of both subgraphs in one request, in order, the directory asking us once', async () => {
    const company = await ourId('query($id: Int!) { company(id: $id) { id } }', { id: companyIds[7] });
    const callsBefore = graph.neighbour.callsToGateway;
    const result = await graph.router.query(`query($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Company { companyId } ... on Review { rating } } }`, {
      ids: [reviewGlobalId(1), company, reviewGlobalId(3)],
    });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.nodes).toEqual([
      { __typename: 'Review', id: reviewGlobalId(1), rating: 1 },
      { __typename: 'Company', id: company, companyId: companyIds[7] },
      { __typename: 'Review', id: reviewGlobalId(3), rating: 3 },
    ]);
    expect(graph.neighbour.callsToGateway - callsBefore).toBe(1);
  });

  it('still costs one Inspectorio batch per 100 companies', async () => {
    const result = await graph.router.query(`{ reviews(first: 250) { edges { node { company { companyId organization { externalId } } } } } }`);
    expect(result.body.errors).toBeUndefined();
    const companies = result.body.data.reviews.edges.map((e: any) => e.node.company);
    expect(companies.map((c: any) => c.organization.externalId)).toEqual(companyIds.map(String));
    expect(entityCalls()).toEqual([{ Company: 250 }]);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 250, 'GET /v1/organizations': 3 });
  });

  it('gives our ids for companies the directory only knows by key, asking us for them in one call', async () => {
    const callsBefore = graph.neighbour.callsToGateway;
    const result = await graph.router.query(`{ reviews(first: 250) { edges { node { company { id companyId organization { externalId } } } } } }`);
    expect(result.body.errors).toBeUndefined();
    const companies = result.body.data.reviews.edges.map((e: any) => e.node.company);
    expect(companies.map((c: any) => c.companyId)).toEqual(companyIds);
    // Hive Gateway takes the shareable `id` from the directory, in the same fetch as the
    // reviews; the directory does not know our ids, so it asks us for them, by key, in one
    // `_entities` call. That is a second request to us, with its own per-request loaders:
    // each company is checked once per request (twice in all), and organizations still come
    // in batches of 100, all from the router's own `_entities` call.
    expect(graph.neighbour.callsToGateway - callsBefore).toBe(1);
    expect(entityCalls()).toEqual([{ Company: 250 }]); // The router's; the directory calls us directly.
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 500, 'GET /v1/organizations': 3 });
    const direct = await stack.query(`query($id: Int!) { company(id: $id) { id } }`, { id: companyIds[9] });
    expect(companies[9].id).toBe(direct.body.data.company.id);
  });
});
