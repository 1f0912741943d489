import { buildHTTPExecutor } from '@graphql-tools/executor-http';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { stitchSchemas } from '@graphql-tools/stitch';
import { readFileSync } from 'node:fs';
import { buildClientSchema, buildSchema, getIntrospectionQuery, graphql, type GraphQLSchema, type IntrospectionQuery } from 'graphql';
import { encodeId } from '../../src/graph/ids.js';
import { stitchingMergeConfig } from '../../src/stitching.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// What the README's "Stitch it into a gateway" says about node/nodes: a stitched subschema built
// from `_service { sdl }` (the subgraph SDL) has no `node`/`nodes`; one built from the public
// schema (by introspection, or from the published public SDL when introspection is off) has them,
// and a node of ours merges with another subschema's fields.

let stack: Stack;

const RISK = makeExecutableSchema({
  typeDefs: /* GraphQL */ `
    type Query {
      companyRisks(ids: [Int!]!): [Company]!
    }
    type Company {
      companyId: Int!
      riskScore: Float!
    }
  `,
  resolvers: { Query: { companyRisks: (_: unknown, { ids }: { ids: number[] }) => ids.map((companyId) => ({ companyId, riskScore: companyId % 7 })) } },
});

function stitchedOver(ours: GraphQLSchema): GraphQLSchema {
  return stitchSchemas({
    subschemas: [
      { schema: ours, executor: buildHTTPExecutor({ endpoint: stack.gateway.url }), batch: true, merge: stitchingMergeConfig },
      {
        schema: RISK,
        merge: { Company: { selectionSet: '{ companyId }', fieldName: 'companyRisks', key: ({ companyId }: { companyId: number }) => companyId, argsFromKeys: (ids) => ({ ids }) } },
      },
    ],
  });
}

async function fetchFromUs<T>(query: string): Promise<T> {
  const response = await stack.query<T>(query);
  expect(response.body.errors).toBeUndefined();
  return response.body.data!;
}

beforeAll(async () => {
  stack = await startStack();
});

afterAll(() => stack?.close());

it('a subschema built from `_service { sdl }` has no node or nodes', async () => {
  const { _service } = await fetchFromUs<{ _service: { sdl: string } }>('{ _service { sdl } }');
  const fields = stitchedOver(buildSchema(_service.sdl)).getQueryType()!.getFields();
  expect(fields.company).toBeDefined();
  expect(fields.node).toBeUndefined();
  expect(fields.nodes).toBeUndefined();
});

const PUBLIC_SDL = new URL('../../schema/published/public.graphql', import.meta.url);

it.each([
  ['by introspection', async () => buildClientSchema(await fetchFromUs<IntrospectionQuery>(getIntrospectionQuery()))],
  ['from schema/published/public.graphql', async () => buildSchema(readFileSync(PUBLIC_SDL, 'utf8'))],
])('a subschema built %s has them, and a node of ours merges with the other subschema', async (_how, build) => {
  const stitched = stitchedOver(await build());
  const [first, second] = linkedCompanyIds(stack.sims.dataset, 2) as [number, number];
  const name = (companyId: number) => stack.sims.dataset.companies.get(companyId)!.Name;
  const result = await graphql({
    schema: stitched,
    source: 'query ($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Company { companyId name riskScore } } nodes(ids: $ids) { ... on Company { companyId riskScore } } }',
    variableValues: { id: encodeId('Company', first), ids: [encodeId('Company', second), encodeId('Company', first)] },
    contextValue: {},
  });
  expect(result.errors).toBeUndefined();
  expect(result.data).toEqual({
    node: { id: encodeId('Company', first), companyId: first, name: name(first), riskScore: first % 7 },
    nodes: [
      { companyId: second, riskScore: second % 7 },
      { companyId: first, riskScore: first % 7 },
    ],
  });
});
