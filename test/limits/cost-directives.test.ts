import { buildSubgraphSchema } from '@apollo/subgraph';
import { getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import { operationCost } from '../../src/plugins/limits/index.js';

// The cost limit takes its weights and list sizes from the schema's `@cost`/`@listSize`, so a
// change in the SDL changes what it counts. A small schema of its own shows each rule.

const schema: GraphQLSchema = buildSubgraphSchema([
  {
    typeDefs: parse(/* GraphQL */ `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@cost", "@listSize"])
      type Query {
        shop(id: Int!): Shop
        expensive: Shop @cost(weight: 7)
        shops(ids: [Int!]!): [Shop]! @listSize(assumedSize: 50)
        top(limit: Int): [Shop!]! @listSize(slicingArguments: ["limit"], assumedSize: 10, requireOneSlicingArgument: false)
      }
      type Shop {
        name: String!
        audit: Audit
        score: Int! @cost(weight: 2)
        items(first: Int, last: Int): ItemPage! @listSize(assumedSize: 5, slicingArguments: ["first", "last"], sizedFields: ["list"], requireOneSlicingArgument: false)
        tags: [Tag!]!
      }
      type ItemPage { list: [Item!]! other: [Item!]! count: Int! }
      type Item { shop: Shop }
      type Audit @cost(weight: 4) { by: String }
      type Tag { label: String }
    `),
  },
]);

function cost(query: string, variables: Record<string, unknown> = {}): number | null {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  return operationCost(schema, document, getOperationAST(document)!, variables);
}

describe('operationCost reads the cost model from @cost and @listSize', () => {
  it('takes a weight from @cost on the field, else on its type, else 1 for objects and 0 for scalars', () => {
    expect(cost(`{ shop(id: 1) { name } }`)).toBe(1);
    expect(cost(`{ expensive { name } }`)).toBe(7);
    expect(cost(`{ shop(id: 1) { audit { by } } }`)).toBe(1 + 4);
    expect(cost(`{ shop(id: 1) { score } }`)).toBe(1 + 2);
  });

  it('sizes only the sizedFields of a connection, by the first slicing argument given, else assumedSize', () => {
    const page = (args: string) => cost(`{ shop(id: 1) { items${args} { count list { shop { name } } other { shop { name } } } } }`);
    // shop, items, list, other: 4; list's shop per sized item; other is unsized (1).
    expect(page('(first: 3)')).toBe(4 + 3 + 1);
    expect(page('(last: 9)')).toBe(4 + 9 + 1);
    expect(page('')).toBe(4 + 5 + 1);
  });

  it('sizes a list field by its slicing argument or assumedSize, and by the length of a list argument given', () => {
    expect(cost(`{ top(limit: 4) { audit { by } } }`)).toBe(1 + 4 * 4);
    expect(cost(`{ top { audit { by } } }`)).toBe(1 + 10 * 4);
    expect(cost(`{ shops(ids: [1, 2, 3]) { audit { by } } }`)).toBe(1 + 3 * 4);
  });

  it('counts a list without @listSize or list argument as one item', () => {
    expect(cost(`{ shop(id: 1) { tags { label } } }`)).toBe(2);
  });
});
