import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import DataLoader from 'dataloader';
import { GraphQLError, parse } from 'graphql';
import { postGraphQL } from '../helpers/stack.js';

// A neighbour subgraph written the way a typical Relay team writes one: reviews of companies,
// its own `interface Node`, `PageInfo` (marked `@shareable`, as Federation asks of value types
// that several subgraphs define), cursor connections, and a `Query.node` for its own ids.
//
// In `directory` mode it is also the supergraph's node directory: its `node(id)` takes any id,
// asks the subgraph that issued it (our /graphql's own `node`) what the id stands for, and hands
// the router an entity reference keyed by our `@key` fields. For that it declares our entities
// and their `id`, which is why our `id` fields are `@shareable`.

const COMMON = /* GraphQL */ `
  "An object with a global id (Relay)."
  interface Node {
    id: ID!
  }

  type PageInfo @shareable {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type Review implements Node @key(fields: "id") {
    id: ID!
    "1 to 5."
    rating: Int!
    body: String!
    "The reviewed company, owned by the gateway subgraph."
    company: Company!
  }

  type ReviewConnection {
    edges: [ReviewEdge!]!
    pageInfo: PageInfo!
    totalCount: Int!
  }

  type ReviewEdge {
    cursor: String!
    node: Review!
  }
`;

const RELAY_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  ${COMMON}
  type Query {
    "Fetches a review by its global id; null for any other id."
    node(id: ID!): Node
    "All reviews, newest first."
    reviews(first: Int, after: String): ReviewConnection!
  }

  type Company @key(fields: "companyId") {
    companyId: Int!
    reviews(first: Int, after: String): ReviewConnection!
  }
`;

const DIRECTORY_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])
  ${COMMON}
  type Query {
    "Fetches any object of the supergraph by its global id, asking the subgraph that issued it."
    node(id: ID!): Node
    "The same, for many ids, in order."
    nodes(ids: [ID!]!): [Node]!
    "All reviews, newest first."
    reviews(first: Int, after: String): ReviewConnection!
  }

  type Company implements Node @key(fields: "companyId") {
    id: ID! @shareable
    companyId: Int!
    reviews(first: Int, after: String): ReviewConnection!
  }

  type Partner implements Node @key(fields: "partnerId", resolvable: false) {
    id: ID! @shareable
    partnerId: Int!
  }

  type Organization implements Node @key(fields: "organizationId", resolvable: false) {
    id: ID! @shareable
    organizationId: Int!
  }

  type PartnerRelationship implements Node @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type OrganizationRelationship implements Node @key(fields: "id", resolvable: false) {
    id: ID!
  }
`;

export type ReviewsMode = 'relay' | 'directory';

export function reviewsSdl(mode: ReviewsMode): string {
  return mode === 'relay' ? RELAY_SDL : DIRECTORY_SDL;
}

export interface ReviewRow {
  reviewId: number;
  companyId: number;
  rating: number;
  body: string;
}

/** Largest page this neighbour serves. */
const MAX_PAGE = 500;

// Relay's usual id: base64 of "Type:key", padded (graphql-relay's toGlobalId).
export const reviewGlobalId = (reviewId: number) => Buffer.from(`Review:${reviewId}`, 'utf8').toString('base64');
function ownReviewId(id: string): number | undefined {
  const match = /^Review:(\d+)$/.exec(Buffer.from(id, 'base64').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

const cursorOf = (index: number) => Buffer.from(`offset:${index}`, 'utf8').toString('base64');
function connection(rows: readonly ReviewRow[], first: number | null | undefined, after: string | null | undefined) {
  const size = first ?? 20;
  if (size < 0 || size > MAX_PAGE) throw new GraphQLError(`first must be 0 to ${MAX_PAGE}.`, { extensions: { code: 'BAD_USER_INPUT' } });
  let start = 0;
  if (after) {
    const match = /^offset:(\d+)$/.exec(Buffer.from(after, 'base64').toString('utf8'));
    if (!match) throw new GraphQLError('after is not a cursor of this connection.', { extensions: { code: 'BAD_USER_INPUT' } });
    start = Number(match[1]) + 1;
  }
  const page = rows.slice(start, start + size);
  const edges = page.map((row, i) => ({ cursor: cursorOf(start + i), node: row }));
  return {
    edges,
    totalCount: rows.length,
    pageInfo: {
      hasNextPage: start + size < rows.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/** What the gateway's own `node` answers for an id: its type and entity key, or the error it gave. */
const NODE_QUERY = `query($ids: [ID!]!) { nodes(ids: $ids) {
  __typename id
  ... on Company { companyId }
  ... on Partner { partnerId }
  ... on Organization { organizationId }
} }`;
const ENTITY_IDS_QUERY = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Company { id } } }`;

type Reference = { __typename: string; id: string; [key: string]: unknown };

export interface ReviewsSubgraph {
  url: string;
  /** Calls this neighbour made to the gateway subgraph (directory mode only). */
  callsToGateway: number;
  stop(): Promise<void>;
}

/**
 * Starts the neighbour on an ephemeral port. `gatewayUrl`: our /graphql, which the directory
 * asks about ids it did not issue.
 */
export async function startReviewsSubgraph(mode: ReviewsMode, rows: readonly ReviewRow[], gatewayUrl: string): Promise<ReviewsSubgraph> {
  const state = { callsToGateway: 0 };
  const byId = new Map(rows.map((row) => [row.reviewId, row]));
  const byCompany = (companyId: number) => rows.filter((row) => row.companyId === companyId);

  async function askGateway<T>(query: string, variables: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }> }> {
    state.callsToGateway += 1;
    const res = await postGraphQL(gatewayUrl, { query, variables });
    return res.body as never;
  }

  // One call to the gateway per batch of foreign ids, in order; its per-item errors come back
  // as this subgraph's per-item errors, with the gateway's code.
  const createLoaders = () => ({
    foreignNode: new DataLoader<string, Reference | null>(async (ids) => {
      const { data, errors } = await askGateway<{ nodes: Array<Reference | null> }>(NODE_QUERY, { ids });
      if (!data) throw new GraphQLError(`the gateway subgraph did not answer: ${errors?.[0]?.message ?? 'no data'}`);
      return ids.map((_, i) => {
        const found = data.nodes[i];
        if (found) return found;
        const error = errors?.find((e) => e.path?.[0] === 'nodes' && e.path[1] === i);
        return error ? new GraphQLError(error.message, { extensions: { code: error.extensions?.code } }) : null;
      });
    }),
    companyGlobalId: new DataLoader<number, string>(async (companyIds) => {
      const representations = companyIds.map((companyId) => ({ __typename: 'Company', companyId }));
      const { data, errors } = await askGateway<{ _entities: Array<{ id: string } | null> }>(ENTITY_IDS_QUERY, { representations });
      return companyIds.map((companyId, i) => data?._entities[i]?.id ?? new GraphQLError(`no id for company ${companyId}: ${errors?.[0]?.message ?? 'unknown'}`));
    }),
  });
  type Loaders = ReturnType<typeof createLoaders>;

  const resolveId = async (id: string, { loaders }: { loaders: Loaders }) => {
    const reviewId = ownReviewId(id);
    if (reviewId !== undefined) return byId.has(reviewId) ? { __typename: 'Review', ...byId.get(reviewId)! } : null;
    if (mode === 'relay') return null;
    return loaders.foreignNode.load(id);
  };

  const resolvers = {
    Query: {
      node: (_: unknown, { id }: { id: string }, context: { loaders: Loaders }) => resolveId(id, context),
      nodes: (_: unknown, { ids }: { ids: string[] }, context: { loaders: Loaders }) => ids.map((id) => resolveId(id, context)),
      reviews: (_: unknown, { first, after }: { first?: number; after?: string }) => connection(rows, first, after),
    },
    Node: { __resolveType: (object: { __typename: string }) => object.__typename },
    Review: {
      id: (row: ReviewRow) => reviewGlobalId(row.reviewId),
      __resolveReference: ({ id }: { id: string }) => {
        const reviewId = ownReviewId(id);
        return reviewId === undefined ? null : (byId.get(reviewId) ?? null);
      },
      company: (row: ReviewRow) => ({ companyId: row.companyId }),
    },
    Company: {
      __resolveReference: (reference: { companyId: number; id?: string }) => reference,
      reviews: ({ companyId }: { companyId: number }, { first, after }: { first?: number; after?: string }) => connection(byCompany(companyId), first, after),
      // The id is ours to issue, not the directory's: it is known when `node` handed out this
      // company, and asked of our subgraph (by key, batched) when the router takes it from here.
      id: (reference: { companyId: number; id?: string }, _: unknown, { loaders }: { loaders: Loaders }) => reference.id ?? loaders.companyGlobalId.load(reference.companyId),
    },
  };

  const server = new ApolloServer<{ loaders: Loaders }>({
    schema: buildSubgraphSchema([{ typeDefs: parse(reviewsSdl(mode)), resolvers: resolvers as never }]),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, context: async () => ({ loaders: createLoaders() }) });
  return {
    url,
    get callsToGateway() {
      return state.callsToGateway;
    },
    stop: () => server.stop(),
  };
}
