import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { printGatewaySubgraphSdl } from '../../src/schema.js';
import { composeBoth } from '../compose/compose.js';
import { recordingProxy, startHiveGateway, type HiveGateway, type RecordingProxy } from '../compose/hive-gateway.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// Our /graphql composed into a supergraph beside a small "risk" subgraph that extends Company
// and references Organization. The supergraph runs on Hive Gateway, in a process of its own,
// over real HTTP; a proxy in front of our subgraph records what the router sends it, and
// request counts are read at the simulators, so they show what one `_entities` call costs upstream.

const RISK_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    "The companies with the highest risk score, highest first (some more than once: it is a report)."
    riskiestCompanies: [Company!]!
  }

  type Company @key(fields: "companyId") {
    companyId: Int!
    riskScore: Float!
    "The inspection agency that audited the company: a reference resolved by the other subgraph."
    auditor: Organization
  }

  type Organization @key(fields: "organizationId", resolvable: false) {
    organizationId: Int!
  }
`;

interface RiskRow {
  companyId: number;
  riskScore: number;
  auditorId: number;
}

let stack: Stack;
let risk: { url: string; stop(): Promise<void> };
let rows: RiskRow[];
let distinctCompanies: number[];
let auditorIds: number[];
let router: HiveGateway;
let proxy: RecordingProxy;
let hints: string[];

/** Representations our subgraph received per `_entities` fetch, by entity type. */
function representationsSent(): Array<{ typename: string; count: number }> {
  return proxy.requests.flatMap((request) => {
    const representations = request.variables?.representations as Array<{ __typename: string }> | undefined;
    return representations ? [{ typename: representations[0]?.__typename ?? '', count: representations.length }] : [];
  });
}

beforeAll(async () => {
  stack = await startStack();
  const { dataset } = stack.sims;

  // 40 distinct linked companies, the first ten listed twice: 50 references in all.
  distinctCompanies = linkedCompanyIds(dataset, 40);
  const linkedOrgIds = new Set([...dataset.organizations.values()].filter((o) => distinctCompanies.includes(Number(o.externalId))).map((o) => o.id));
  // Auditors that are none of those companies' organizations, so no load of one can answer another.
  auditorIds = [...dataset.organizations.keys()].filter((id) => !linkedOrgIds.has(id)).slice(0, 10);
  const listed = [...distinctCompanies, ...distinctCompanies.slice(0, 10)];
  rows = listed.map((companyId, i) => ({ companyId, riskScore: 100 - i, auditorId: auditorIds[i % auditorIds.length]! }));

  const riskServer = new ApolloServer({
    schema: buildSubgraphSchema([
      {
        typeDefs: parse(RISK_SDL),
        resolvers: {
          Query: { riskiestCompanies: () => rows },
          Company: {
            __resolveReference: (ref: { companyId: number }) => rows.find((r) => r.companyId === ref.companyId) ?? null,
            auditor: (row: RiskRow) => ({ organizationId: row.auditorId }),
          },
        } as never,
      },
    ]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(riskServer, { listen: { port: 0, host: '127.0.0.1' } });
  risk = { url, stop: () => riskServer.stop() };

  // Composed from what our server itself answers on `_service`, as a schema registry would.
  proxy = await recordingProxy(stack.gateway.url);
  const served = await stack.query('{ _service { sdl } }');
  const composition = composeBoth([
    { name: 'gateway', sdl: served.body.data._service.sdl, url: proxy.url },
    { name: 'risk', sdl: RISK_SDL, url: risk.url },
  ]);
  if (composition.apollo.errors.length || !composition.guild.supergraphSdl) {
    throw new Error(`composition failed:\n${[...composition.apollo.errors, ...composition.guild.errors].join('\n')}`);
  }
  hints = composition.apollo.hints.map((hint) => hint.code);
  router = await startHiveGateway(composition.guild.supergraphSdl);
}, 60_000);

afterAll(async () => {
  await router?.stop();
  await proxy?.close();
  await risk?.stop();
  await stack?.close();
});

beforeEach(() => {
  stack.resetCounts();
  proxy.reset();
});

async function supergraphQuery(query: string, variables?: Record<string, unknown>) {
  return (await router.query(query, variables)).body;
}

describe('the subgraph SDL', () => {
  it('is what `_service` serves, with the three entities keyed by their upstream ids', async () => {
    const served = await stack.query('{ _service { sdl } }');
    const sdl: string = served.body.data._service.sdl;
    expect(sdl).toBe(printGatewaySubgraphSdl());
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@cost", "@listSize"])');
    expect(sdl).toMatch(/type Partner implements Node\s+@key\(fields: "partnerId"\)/);
    expect(sdl).toMatch(/type Company implements Node\s+@key\(fields: "companyId"\)/);
    expect(sdl).toMatch(/type Organization implements Node\s+@key\(fields: "organizationId"\)/);
  });

  it('leaves out node/nodes, which /graphql keeps, and shares PageInfo and the entities\' ids', async () => {
    const sdl: string = (await stack.query('{ _service { sdl } }')).body.data._service.sdl;
    expect(sdl).not.toMatch(/^\s+nodes?\(/m);
    expect(sdl).toMatch(/type PageInfo\s+@shareable/);
    expect(sdl.match(/ id: ID! @shareable/g)).toHaveLength(3);
    const direct = await stack.query(`query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }`, { id: 'bad' });
    expect(codes(direct)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });
});

describe('a query across both subgraphs', () => {
  it('composes under both composers, Apollo hinting only that CacheControlScope (our directive argument type) is unused', () => {
    expect(hints).toEqual(['UNUSED_ENUM_TYPE']);
  });

  it('resolves 50 Company references (40 distinct) with one request per distinct company and ONE Inspectorio batch', async () => {
    const { dataset } = stack.sims;
    const result = await supergraphQuery(`{
      riskiestCompanies { companyId riskScore name organization { organizationId externalId } auditor { organizationId name type } }
    }`);
    expect(result.errors).toBeUndefined();
    const companies = (result.data as any).riskiestCompanies as any[];
    expect(companies).toHaveLength(50);
    companies.forEach((company, i) => {
      const row = rows[i]!;
      expect(company).toMatchObject({ companyId: row.companyId, riskScore: row.riskScore, name: dataset.companies.get(row.companyId)!.Name });
      expect(company.organization.externalId).toBe(String(row.companyId));
      expect(company.auditor).toEqual({ organizationId: row.auditorId, name: dataset.organizations.get(row.auditorId)!.name, type: expect.any(String) });
    });

    // Hive Gateway sends each distinct reference once: 40 companies, 10 auditors.
    expect(representationsSent().sort((a, b) => a.typename.localeCompare(b.typename))).toEqual([
      { typename: 'Company', count: distinctCompanies.length },
      { typename: 'Organization', count: auditorIds.length },
    ]);
    expect(stack.upstreamRequests()).toEqual({
      'GET /Companies({id})': distinctCompanies.length,
      'GET /v1/organizations': 1,
      'GET /v1/organizations/{id}': auditorIds.length,
    });
  });

  it('asks the risk subgraph for fields of a Company that our graph found', async () => {
    const id = distinctCompanies[3]!;
    const result = await supergraphQuery(`query($id: Int!) { company(id: $id) { name riskScore auditor { organizationId } } }`, { id });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ company: { name: stack.sims.dataset.companies.get(id)!.Name, riskScore: 97, auditor: { organizationId: auditorIds[3] } } });
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
  });
});

describe('_entities on our subgraph', () => {
  const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) {
    ... on Company { companyId name organization { organizationId } }
    ... on Organization { organizationId name }
    ... on Partner { partnerId companyRelationships(first: 5) { totalCount nodes { relationshipId } } }
  } }`;

  it('batches organizations by id like 50 fields would: one request per distinct organization', async () => {
    const orgIds = [...stack.sims.dataset.organizations.keys()].slice(0, 10);
    const representations = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Organization', organizationId: orgIds[i % 10] }));
    const res = await stack.query(ENTITIES, { representations });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities.map((o: any) => o.organizationId)).toEqual(representations.map((r) => r.organizationId));
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations/{id}': 10 });
  });

  it('checks that a referenced partner exists, with the same one page a `partner` query costs', async () => {
    const { bigPartnerId, unknownPartnerId } = stack.sims.dataset.fixtures;
    const res = await stack.query(ENTITIES, {
      representations: [
        { __typename: 'Partner', partnerId: bigPartnerId },
        { __typename: 'Partner', partnerId: unknownPartnerId },
      ],
    });
    expect(res.body.data._entities[0]).toMatchObject({ partnerId: bigPartnerId, companyRelationships: { totalCount: stack.sims.dataset.partners.get(bigPartnerId)!.length } });
    expect(res.body.data._entities[0].companyRelationships.nodes).toHaveLength(5);
    expect(res.body.data._entities[1]).toBeNull();
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.path).toEqual(['_entities', 1]);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 2 });
  });

  it('rejects a representation whose key is not a positive integer, before any upstream call', async () => {
    const res = await stack.query(ENTITIES, { representations: [{ __typename: 'Company', companyId: '12' }, { __typename: 'Organization' }] });
    expect(res.body.data._entities).toEqual([null, null]);
    expect(codes(res)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('answers a representation of an unknown type with BAD_USER_INPUT at its index, and resolves the others', async () => {
    const [a, b] = linkedCompanyIds(stack.sims.dataset, 2);
    const res = await stack.query(ENTITIES, {
      representations: [
        { __typename: 'Company', companyId: a },
        { __typename: 'Review', id: 'UmV2aWV3OjE=' },
        { __typename: 'Company', companyId: b },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.data!._entities.map((e: any) => e?.companyId ?? null)).toEqual([a, null, b]);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.path).toEqual(['_entities', 1]);
    expect(res.body.errors![0]!.message).toContain('"Review"');
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 2, 'GET /v1/organizations': 1 });
  });

  it.each([
    ['a type that is no entity', { __typename: 'PageInfo', hasNextPage: true }],
    ['an interface', { __typename: 'Node', id: 'x' }],
    ['a root type', { __typename: 'Query' }],
    ['no __typename', { companyId: 14000 }],
    ['a __typename that is no string', { __typename: 7, companyId: 14000 }],
    ['a string', 'Company'],
    ['a number', 14000],
    ['an array', [{ __typename: 'Company', companyId: 14000 }]],
    ['a key of the wrong type', { __typename: 'Partner', partnerId: { $gt: 1 } }],
    ['a key beyond GraphQL Int', { __typename: 'Company', companyId: 3_000_000_000 }],
    ['a key that is not whole', { __typename: 'Organization', organizationId: 1.5 }],
  ])('answers %s with BAD_USER_INPUT for that item only', async (_what, representation) => {
    const { bigPartnerId } = stack.sims.dataset.fixtures;
    const res = await stack.query(ENTITIES, { representations: [representation, { __typename: 'Partner', partnerId: bigPartnerId }] });
    expect(res.status).toBe(200);
    expect(res.body.data!._entities[0]).toBeNull();
    expect(res.body.data!._entities[1]).toMatchObject({ partnerId: bigPartnerId });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.path).toEqual(['_entities', 0]);
  });

  it('takes a single representation where a list is due as a list of one (GraphQL input coercion), checked like any other', async () => {
    const res = await stack.query(ENTITIES, { representations: 'Company' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ _entities: [null] });
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves a relationship by its global id, and refuses an id of another type or no id string', async () => {
    const organizationId = [...stack.sims.dataset.organizations.keys()][0]!;
    const page = await stack.query(`query($id: Int!) { organization(id: $id) { id relationships(first: 1) { nodes { id target { name } } } } }`, { id: organizationId });
    const relationship = page.body.data.organization.relationships.nodes[0];
    stack.resetCounts();
    const res = await stack.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on OrganizationRelationship { id target { name } } } }`,
      {
        r: [
          { __typename: 'OrganizationRelationship', id: relationship.id },
          { __typename: 'PartnerRelationship', id: page.body.data.organization.id },
          { __typename: 'OrganizationRelationship', id: 7 },
        ],
      },
    );
    expect(res.body.data!._entities).toEqual([relationship, null, null]);
    expect(res.body.errors!.map((e) => [e.extensions?.code, e.path])).toEqual([
      ['BAD_USER_INPUT', ['_entities', 1]],
      ['BAD_USER_INPUT', ['_entities', 2]],
    ]);
  });
});
