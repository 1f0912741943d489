import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import { graphqlSync, parse, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from './graph/context.js';
import { resolvers } from './resolvers/index.js';

// schema/ sits at the project root, both beside src/ (tsx, jest) and two levels above dist/src/.
function schemaDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [resolve(here, '../schema'), resolve(here, '../../schema')]) {
    try {
      if (readdirSync(candidate).some((f) => f.endsWith('.graphql'))) return candidate;
    } catch {
      // Not this one.
    }
  }
  throw new Error(`schema/*.graphql not found near ${here}`);
}

/** The SDL of the public graph, in file order. */
export function loadTypeDefs(): string[] {
  const directory = schemaDirectory();
  return readdirSync(directory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(join(directory, file), 'utf8'));
}

/**
 * Built once per process: building a schema is far too slow for a request path.
 *
 * The schema is a Federation 2 subgraph (the `@link`/`@key` in schema/*.graphql), so /graphql
 * serves `_service` and `_entities` beside the public fields: a supergraph can compose it as
 * it is, and `_entities` is also the batch entry point for schema stitching (src/stitching.ts).
 *
 * `extension` adds types and fields (an added upstream's, docs/architecture.md): its SDL is
 * appended to schema/*.graphql (so it may `extend type Query`) and its resolvers are merged in
 * type by type; a field both define is a mistake and throws.
 */
export function buildGatewaySchema(extension: SchemaExtension = {}): GraphQLSchema {
  const typeDefs = parse([...loadTypeDefs(), ...(extension.typeDefs ? [extension.typeDefs] : [])].join('\n'));
  return buildSubgraphSchema([{ typeDefs, resolvers: mergeResolvers(resolvers as GraphQLResolverMap<GatewayContext>, extension.resolvers ?? {}) }]);
}

/** Types and fields added to the graph beside schema/*.graphql. */
export interface SchemaExtension {
  /** SDL appended to schema/*.graphql, e.g. `type Widget { … } extend type Query { widget(id: ID!): Widget }`. */
  typeDefs?: string;
  /** Resolvers of the added types and fields, by type name then field name. */
  resolvers?: GraphQLResolverMap<GatewayContext>;
}

function mergeResolvers(base: GraphQLResolverMap<GatewayContext>, added: GraphQLResolverMap<GatewayContext>): GraphQLResolverMap<GatewayContext> {
  const merged: GraphQLResolverMap<GatewayContext> = { ...base };
  for (const [typeName, fields] of Object.entries(added)) {
    const existing = merged[typeName];
    if (existing === undefined) {
      merged[typeName] = fields;
      continue;
    }
    const clash = Object.keys(fields).find((field) => field in existing);
    if (clash) throw new Error(`the schema extension redefines the resolver of ${typeName}.${clash}`);
    merged[typeName] = { ...existing, ...fields } as (typeof merged)[string];
  }
  return merged;
}

/** The subgraph SDL a supergraph composes: exactly what `_service { sdl }` answers over HTTP. */
export function printGatewaySubgraphSdl(schema: GraphQLSchema = buildGatewaySchema()): string {
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== 'string') throw new Error(`the schema serves no subgraph SDL: ${JSON.stringify(result.errors ?? result.data)}`);
  return sdl;
}
