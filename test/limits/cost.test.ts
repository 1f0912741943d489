import { getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import { DEFAULT_LIMITS, operationCost, type CostOptions } from '../../src/plugins/limits/index.js';
import { buildGatewaySchema } from '../../src/schema.js';
import { PARTNER_SUPPLY_NETWORK, THREE_PAGES_OF_100_DEEP } from './queries.js';

let schema: GraphQLSchema;
beforeAll(() => {
  schema = buildGatewaySchema();
});

/** The cost of a document that must pass validation against the real schema. */
function cost(query: string, variables: Record<string, unknown> = {}, options?: CostOptions): number | null {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  return operationCost(schema, document, getOperationAST(document)!, variables, options);
}

describe('operationCost', () => {
  it('costs PartnerSupplyNetwork 629: 4 once, 5 per partner edge (25), 2 per relationship (25 × 10)', () => {
    expect(cost(PARTNER_SUPPLY_NETWORK, { partnerId: 1 })).toBe(4 + 5 * 25 + 2 * 25 * 10);
  });

  it('costs three connections of 100 nested 1,030,303', () => {
    // organization, relationships, nodes; then per level: target, relationships, nodes × 100^n; last target × 100^3.
    expect(cost(THREE_PAGES_OF_100_DEEP, { id: 1 })).toBe(3 + 3 * 100 + 3 * 100 ** 2 + 100 ** 3);
  });

  it('fits the default budget of 5000 around what clients need, not around what they could ask', () => {
    const atLargestPartnerPage = PARTNER_SUPPLY_NETWORK.replace('first: 25', 'first: 100');
    expect(cost(atLargestPartnerPage, { partnerId: 1 })).toBe(2504);
    const hundredOrganizations = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Organization { relationships { nodes { target { name } } } } } }`;
    expect(cost(hundredOrganizations, { ids: Array.from({ length: 100 }, (_, i) => `o${i}`) })).toBe(1 + 100 + 100 + 100 * 20);
    const pageInPage = `{ organization(id: 1) { relationships(first: 100) { nodes { target { relationships(first: 100) { nodes { target { name } } } } } } } }`;
    expect(cost(pageInPage)).toBe(3 + 3 * 100 + 100 ** 2);
    expect(DEFAULT_LIMITS.maxCost).toBe(5000);
  });

  it('stops counting just past stopAbove', () => {
    const counted = cost(THREE_PAGES_OF_100_DEEP, { id: 1 }, { stopAbove: 5000 })!;
    expect(counted).toBeGreaterThan(5000);
    expect(counted).toBeLessThanOrEqual(5000 + 100 ** 2);
    expect(cost(PARTNER_SUPPLY_NETWORK, { partnerId: 1 }, { stopAbove: 629 })).toBe(629);
  });

  it('costs nothing for scalar fields, and 1 for each object field at the root', () => {
    expect(cost(`{ company(id: 1) { companyId name createdAt attributes } }`)).toBe(1);
    expect(cost(`{ company(id: 1) { logo { href } organization { name } } }`)).toBe(3);
  });

  it('uses a page of 20 without first or last, else first, else last', () => {
    const page = (args: string) => cost(`{ partner(id: 1) { companyRelationships${args} { totalCount pageInfo { hasNextPage } nodes { company { name } } } } }`);
    // partner, companyRelationships, pageInfo, nodes: 4; company once per item.
    expect(page('')).toBe(4 + 20);
    expect(page('(first: 7)')).toBe(4 + 7);
    expect(page('(last: 3)')).toBe(4 + 3);
    expect(page('(first: 0)')).toBe(4 + 1);
  });

  it('multiplies edges and nodes of a connection, not its pageInfo or totalCount', () => {
    expect(cost(`{ organization(id: 1) { relationships(first: 50) { totalCount pageInfo { endCursor } } } }`)).toBe(3);
    expect(cost(`{ organization(id: 1) { relationships(first: 50) { edges { node { target { name } } } } } }`)).toBe(3 + 50 + 50);
  });

  it('follows variables, and the default of a variable not given', () => {
    const query = `query($n: Int = 3) { organization(id: 1) { relationships(first: $n) { nodes { target { name } } } } }`;
    expect(cost(query)).toBe(3 + 3);
    expect(cost(query, { n: 40 })).toBe(3 + 40);
    expect(cost(query, { n: null })).toBe(3 + 20);
  });

  it('returns null when the variables do not coerce (execution refuses those before any resolver)', () => {
    const query = `query($n: Int!) { organization(id: 1) { relationships(first: $n) { nodes { target { name } } } } }`;
    expect(cost(query, { n: 'many' })).toBeNull();
    expect(cost(query, {})).toBeNull();
  });

  it('multiplies nodes(ids:) and _entities(representations:) by the length of the list', () => {
    const nodes = `query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Company { organization { name } } } }`;
    expect(cost(nodes, { ids: ['a', 'b', 'c'] })).toBe(1 + 3);
    // A single value where a list is expected coerces to a list of one.
    expect(cost(nodes, { ids: 'a' })).toBe(1 + 1);
    expect(cost(`{ nodes(ids: ["a", "b"]) { ... on Company { organization { name } } } }`)).toBe(1 + 2);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { organization { name } } } }`;
    expect(cost(entities, { r: [{ __typename: 'Company', companyId: 1 }, { __typename: 'Company', companyId: 2 }] })).toBe(1 + 2);
  });

  it('costs an abstract field as its most expensive possible type', () => {
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) {
      ... on Company { organization { name } logo { href } }
      ... on Organization { relationships { totalCount } }
    } }`;
    // Company: 2 per item; Organization: 1 per item. 4 items.
    expect(cost(query, { ids: ['1', '2', '3', '4'] })).toBe(1 + 2 * 4);
    // A fragment on an interface applies to every type implementing it.
    expect(cost(`{ node(id: "x") { ... on Relationship { ... on OrganizationRelationship { source { name } target { name } } } } }`)).toBe(1 + 2);
  });

  it('counts a named fragment exactly as the same selection written inline', () => {
    const withFragments = `
      query PartnerSupplyNetwork($partnerId: Int!) {
        partner(id: $partnerId) { companyRelationships(first: 25) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ...Relationship } } } }
      }
      fragment Relationship on PartnerRelationship { createdAt company { companyId name organization { ...Organization } } }
      fragment Organization on Organization {
        name type
        relationships(first: 10, filter: { targetTypes: [FACTORY] }) { totalCount nodes { ...OrgRelationship } }
      }
      fragment OrgRelationship on OrganizationRelationship { target { name inspId } types contacts { email role } permissions }`;
    expect(cost(withFragments, { partnerId: 1 })).toBe(629);
  });

  it('merges fields selected twice under one response key, as execution does; aliases are separate fields', () => {
    const twice = `{ company(id: 1) { organization { name } ...F } } fragment F on Company { organization { type } }`;
    expect(cost(twice)).toBe(2);
    expect(cost(`{ company(id: 1) { organization { name } organization { type } } }`)).toBe(2);
    expect(cost(`{ a: company(id: 1) { organization { name } } b: company(id: 2) { organization { name } } }`)).toBe(4);
    // The same fragment spread twice on one level is collected once.
    expect(cost(`{ company(id: 1) { ...F ...F } } fragment F on Company { organization { name } }`)).toBe(2);
  });

  it('applies @skip and @include on fields, inline fragments and fragment spreads', () => {
    const query = `query($skip: Boolean!, $with: Boolean!) {
      company(id: 1) {
        organization @skip(if: $skip) { name }
        logo @include(if: false) { href }
        ... @include(if: $with) { a: organization { type } }
        ...Org @include(if: $with)
      }
    }
    fragment Org on Company { b: organization { name } }`;
    expect(cost(query, { skip: true, with: false })).toBe(1);
    expect(cost(query, { skip: false, with: false })).toBe(2);
    expect(cost(query, { skip: true, with: true })).toBe(3);
    expect(cost(query, { skip: false, with: true })).toBe(4);
    const bigButSkipped = `query($cheap: Boolean!) { organization(id: 1) { relationships(first: 100) { nodes { target @skip(if: $cheap) {
      relationships(first: 100) { nodes { target { name } } } } } } } }`;
    expect(cost(bigButSkipped, { cheap: true })).toBe(3);
    expect(cost(bigButSkipped, { cheap: false })).toBe(3 + 3 * 100 + 100 ** 2);
  });

  it('costs introspection nothing', () => {
    expect(cost(`{ __typename __schema { types { name fields { name type { name } } } } __type(name: "Company") { name } }`)).toBe(0);
  });

  it('fails instead of overflowing the stack on a fragment cycle (which validation rejects)', () => {
    const document = parse(`{ company(id: 1) { ...A } } fragment A on Company { organization { company { ...A } } }`);
    expect(validate(schema, document).map((e) => e.message)).toEqual([expect.stringContaining('Cannot spread fragment "A" within itself')]);
    expect(() => operationCost(schema, document, getOperationAST(document)!, {})).toThrow(/fragment cycle/);
    expect(operationCost(schema, document, getOperationAST(document)!, {}, { stopAbove: 100 })).toBe(101);
  });
});
