import type { ApolloClient } from '@apollo/client';
import { isInterfaceType } from 'graphql';
import { filter, firstValueFrom } from 'rxjs';
import { createApolloClient, possibleTypes } from '../../examples/frontend/src/apollo.js';
import { CompanyNodeQuery, CompanyQuery, PartnerCompaniesQuery } from '../../examples/frontend/src/operations.js';
import { buildGatewaySchema } from '../../src/schema.js';
import { startStack, type Stack } from '../helpers/stack.js';

// The example frontend (examples/frontend) against the running gateway: Apollo Client core,
// its typed documents from the codegen client preset, a normalized cache keyed by Node ids,
// and relay-style pagination with fetchMore.

let stack: Stack;
let client: ApolloClient;
let httpRequests = 0;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

beforeEach(() => {
  httpRequests = 0;
  stack.resetCounts();
  client = createApolloClient(stack.gateway.url, (input, init) => {
    httpRequests += 1;
    return fetch(input, init);
  });
});
afterEach(() => client.stop());

it('declares possibleTypes that match the schema', () => {
  const schema = buildGatewaySchema();
  const fromSchema = Object.fromEntries(
    Object.values(schema.getTypeMap())
      .filter(isInterfaceType)
      .map((i) => [i.name, schema.getPossibleTypes(i).map((t) => t.name).sort()]),
  );
  expect(Object.fromEntries(Object.entries(possibleTypes).map(([k, v]) => [k, [...v].sort()]))).toEqual(fromSchema);
});

it('runs a typed query', async () => {
  const companyId = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
  const { data } = await client.query({ query: CompanyQuery, variables: { id: companyId } });
  // `data` is typed CompanyQuery: a typo in a field name here fails `tsc`.
  expect(data?.company).toMatchObject({ companyId, name: stack.sims.dataset.companies.get(companyId)!.Name, organization: { type: expect.any(String) } });
  expect(httpRequests).toBe(1);
});

it('normalizes by Node id, so node(id:) of a cached object needs no request', async () => {
  const companyId = stack.sims.dataset.fixtures.linkedCompanyIds[1]!;
  const first = await client.query({ query: CompanyQuery, variables: { id: companyId } });
  const id = first.data!.company!.id;
  expect(client.cache.identify({ __typename: 'Company', id })).toBe(id);

  const again = await client.query({ query: CompanyNodeQuery, variables: { id } });
  expect(again.data?.node).toEqual(first.data!.company);
  expect(httpRequests).toBe(1);
  expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1, 'GET /v1/organizations': 1 });

  // The organization is one cache entry too, under its own global id.
  const orgId = first.data!.company!.organization!.id;
  expect((client.cache.extract() as Record<string, unknown>)[orgId]).toMatchObject({ __typename: 'Organization', id: orgId });
});

it('pages a partner’s companies with fetchMore into one list', async () => {
  const partnerId = stack.sims.dataset.fixtures.bigPartnerId;
  const relationships = stack.sims.dataset.partners.get(partnerId)!;
  const observable = client.watchQuery({ query: PartnerCompaniesQuery, variables: { partnerId, first: 10 } });
  const firstPage = await firstValueFrom(observable.pipe(filter((r) => r.dataState === 'complete')));
  const connection = firstPage.data!.partner!.companyRelationships;
  expect(connection.edges).toHaveLength(10);
  expect(connection.pageInfo.hasNextPage).toBe(true);

  await observable.fetchMore({ variables: { after: connection.pageInfo.endCursor } });
  const current = observable.getCurrentResult();
  if (current.dataState !== 'complete') throw new Error(`the merged list is ${current.dataState}`);
  const merged = current.data.partner!.companyRelationships;
  expect(merged.edges.map((e) => e.node.company.companyId)).toEqual(relationships.slice(0, 20).map((r) => r.CompanyId));
  expect(merged.totalCount).toBe(relationships.length);
  expect(merged.pageInfo.endCursor).toBe(merged.edges[19]!.cursor);
  expect(httpRequests).toBe(2);
  expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 2 });
});
