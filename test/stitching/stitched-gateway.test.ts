import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { stitchSchemas } from '@graphql-tools/stitch';
import { filterSchema, pruneSchema, type Executor } from '@graphql-tools/utils';
import { GraphQLSchema, buildSchema, graphql, parse, print, printSchema, specifiedDirectives, type DocumentNode } from 'graphql';
import { stitchingMergeConfig } from '../../src/stitching.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// A schema-stitching gateway over our server (a remote subschema, over HTTP) and a local
// "risk" schema. Company is merged both ways: risk's companies get our fields through our
// `_entities`, our companies get `riskScore` through risk's `companyRisks(ids:)`.

const RISK_TYPE_DEFS = /* GraphQL */ `
  type Query {
    riskiestCompanies: [Company!]!
    "Batch entry point for the stitching gateway: one call for many companies."
    companyRisks(ids: [Int!]!): [Company]!
    "Companies someone keeps an eye on, by id, whether or not they still exist upstream."
    watched: [Company]!
  }
  type Company {
    companyId: Int!
    riskScore: Float!
  }
`;

let stack: Stack;
let stitched: GraphQLSchema;
let distinctCompanies: number[];
let listed: number[];
/** What `watched` lists: two known companies around one that iQmetrix does not have. */
let watchedIds: number[];
/** Operations the stitching gateway sent to our server. */
const sentToUs: Array<{ document: DocumentNode; variables?: Record<string, any> }> = [];
/** `companyRisks` calls on the local schema, with how many ids each. */
const riskBatches: number[] = [];

const riskScore = (companyId: number) => (companyId % 97) / 10;

beforeAll(async () => {
  stack = await startStack();
  distinctCompanies = linkedCompanyIds(stack.sims.dataset, 40);
  listed = [...distinctCompanies, ...distinctCompanies.slice(0, 10)];
  watchedIds = [distinctCompanies[0]!, stack.sims.dataset.fixtures.unknownCompanyId, distinctCompanies[1]!];

  const http = buildHTTPExecutor({ endpoint: stack.gateway.url });
  const executor: Executor = (request) => {
    sentToUs.push({ document: request.document, variables: request.variables });
    return http(request);
  };
  // `_service { sdl }` rather than introspection: it answers with INTROSPECTION=false too.
  const { sdl } = ((await http({ document: parse('{ _service { sdl } }') })) as { data: { _service: { sdl: string } } }).data._service;

  const risk = makeExecutableSchema({
    typeDefs: RISK_TYPE_DEFS,
    resolvers: {
      Query: {
        riskiestCompanies: () => listed.map((companyId) => ({ companyId, riskScore: riskScore(companyId) })),
        watched: () => watchedIds.map((companyId) => ({ companyId, riskScore: riskScore(companyId) })),
        companyRisks: (_: unknown, { ids }: { ids: number[] }) => {
          riskBatches.push(ids.length);
          return ids.map((companyId) => ({ companyId, riskScore: riskScore(companyId) }));
        },
      },
    },
  });

  stitched = withoutFederationPlumbing(stitchSchemas({
    subschemas: [
      { schema: buildSchema(sdl), executor, batch: true, merge: stitchingMergeConfig },
      {
        schema: risk,
        merge: {
          Company: { selectionSet: '{ companyId }', fieldName: 'companyRisks', key: ({ companyId }: { companyId: number }) => companyId, argsFromKeys: (ids) => ({ ids }) },
        },
      },
    ],
  }));
});

/**
 * What the stitched gateway's clients see: `_entities`, `_service` and the federation directives
 * and scalars are how the gateway reaches us, not part of its graph. Merging keeps working
 * because the merged-type resolvers were set up before the filter.
 */
function withoutFederationPlumbing(schema: GraphQLSchema): GraphQLSchema {
  return pruneSchema(
    filterSchema({
      schema: new GraphQLSchema({ ...schema.toConfig(), directives: specifiedDirectives }),
      rootFieldFilter: (_operation, fieldName) => !fieldName.startsWith('_'),
      typeFilter: (typeName) => !typeName.startsWith('_'),
    }),
  );
}

afterAll(() => stack?.close());

beforeEach(() => {
  stack.resetCounts();
  sentToUs.length = 0;
  riskBatches.length = 0;
});

async function run(source: string, variableValues?: Record<string, unknown>) {
  return graphql({ schema: stitched, source, variableValues, contextValue: {} });
}

describe('a stitched gateway over this graph', () => {
  it('merges Company from both sides and shows no federation plumbing', () => {
    const sdl = printSchema(stitched);
    expect(sdl).toMatch(/type Company implements Node \{[^}]*riskScore: Float!/);
    expect(sdl).not.toMatch(/_entities|_service|_Any|federation__|link__|@key/);
  });

  it('resolves 50 local companies with ONE request to us: one fetch per distinct company, ONE Inspectorio batch', async () => {
    const { dataset } = stack.sims;
    const result = await run(`{ riskiestCompanies { companyId riskScore name organization { externalId name } } }`);
    expect(result.errors).toBeUndefined();
    const companies = (result.data as any).riskiestCompanies as any[];
    expect(companies).toHaveLength(50);
    companies.forEach((company, i) => {
      const id = listed[i]!;
      expect(company).toEqual({ companyId: id, riskScore: riskScore(id), name: dataset.companies.get(id)!.Name, organization: { externalId: String(id), name: expect.any(String) } });
    });

    expect(sentToUs).toHaveLength(1);
    expect(print(sentToUs[0]!.document)).toContain('_entities');
    // The stitching gateway already sends each distinct key once (the federation gateway does not).
    expect(Object.values(sentToUs[0]!.variables ?? {}).flat()).toHaveLength(distinctCompanies.length);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': distinctCompanies.length, 'GET /v1/organizations': 1 });
  });

  it('adds riskScore to a page of our companies with ONE local batch and one upstream page', async () => {
    const partnerId = stack.sims.dataset.fixtures.bigPartnerId;
    const page = stack.sims.dataset.partners.get(partnerId)!.slice(0, 20);
    const result = await run(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 20) { nodes { company { companyId name riskScore } } } } }`, { id: partnerId });
    expect(result.errors).toBeUndefined();
    expect((result.data as any).partner.companyRelationships.nodes.map((n: any) => n.company)).toEqual(
      page.map((r) => ({ companyId: r.CompanyId, name: r.CompanyName, riskScore: riskScore(r.CompanyId) })),
    );
    expect(sentToUs).toHaveLength(1);
    expect(riskBatches).toEqual([new Set(page.map((r) => r.CompanyId)).size]);
    // The name came with the relationship: no company request.
    expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 1 });
  });

  it('sends root fields of one operation to us in one HTTP request', async () => {
    const [a, b] = distinctCompanies;
    const result = await run(`query($a: Int!, $b: Int!) { a: company(id: $a) { name } b: company(id: $b) { name } }`, { a, b });
    expect(result.errors).toBeUndefined();
    expect(sentToUs).toHaveLength(1);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 2 });
  });

  it('keeps item paths: an unknown company in a list is null at its index with NOT_FOUND, the others intact', async () => {
    const { dataset } = stack.sims;
    const result = await run(`{ watched { companyId riskScore name organization { externalId } } }`);
    const [first, , third] = watchedIds as [number, number, number];
    expect(result.data).toEqual({
      watched: [
        { companyId: first, riskScore: riskScore(first), name: dataset.companies.get(first)!.Name, organization: { externalId: String(first) } },
        null,
        { companyId: third, riskScore: riskScore(third), name: dataset.companies.get(third)!.Name, organization: { externalId: String(third) } },
      ],
    });
    // `name` is non-null, so its error nulls the item: the error sits at the field, inside item 1.
    expect(result.errors?.map((e) => ({ path: e.path, code: e.extensions?.code }))).toEqual([{ path: ['watched', 1, 'name'], code: 'NOT_FOUND' }]);
    expect(sentToUs).toHaveLength(1);
    expect(Object.values(sentToUs[0]!.variables ?? {}).flat()).toHaveLength(3);
  });

  it('keeps the item and its own fields when only nullable fields of ours were asked for', async () => {
    const result = await run(`{ watched { companyId riskScore description } }`);
    const [first, unknown, third] = watchedIds as [number, number, number];
    const description = (id: number) => stack.sims.dataset.companies.get(id)!.Description ?? null;
    expect(result.data).toEqual({
      watched: [
        { companyId: first, riskScore: riskScore(first), description: description(first) },
        { companyId: unknown, riskScore: riskScore(unknown), description: null },
        { companyId: third, riskScore: riskScore(third), description: description(third) },
      ],
    });
    expect(result.errors?.map((e) => ({ path: e.path, code: e.extensions?.code }))).toEqual([{ path: ['watched', 1, 'description'], code: 'NOT_FOUND' }]);
  });
});
