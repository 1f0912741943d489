import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { badUserInput } from '../../../src/errors.js';
import type { GatewayContext } from '../../../src/graph/context.js';
import { WAREHOUSE, type StockLevel } from './definition.js';

// The warehouse's part of the graph: one type, one field, one resolver.

export const typeDefs = /* GraphQL */ `
  "How many units of one SKU the warehouse holds."
  type StockLevel {
    sku: String!
    onHand: Int!
  }

  extend type Query {
    "A SKU's stock level. An unknown SKU is \`null\` with a \`NOT_FOUND\` error."
    stockLevel("Letters, digits and dashes, at most 40." sku: String!): StockLevel
  }
`;

const SKU = /^[A-Za-z0-9-]{1,40}$/;

export const resolvers: GraphQLResolverMap<GatewayContext> = {
  Query: {
    stockLevel: (_source: unknown, { sku }: { sku: string }, context: GatewayContext): Promise<StockLevel> => {
      if (!SKU.test(sku)) throw badUserInput(`sku must be 1 to 40 letters, digits and dashes (got ${JSON.stringify(sku.slice(0, 50))}).`, { argumentName: 'sku' });
      return context.upstream(WAREHOUSE).call('stock', sku);
    },
  },
};
