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
 */
export function buildGatewaySchema(): GraphQLSchema {
  const typeDefs = parse(loadTypeDefs().join('\n'));
  return buildSubgraphSchema([{ typeDefs, resolvers: resolvers as GraphQLResolverMap<GatewayContext> }]);
}

/** The subgraph SDL a supergraph composes: exactly what `_service { sdl }` answers over HTTP. */
export function printGatewaySubgraphSdl(schema: GraphQLSchema = buildGatewaySchema()): string {
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== 'string') throw new Error(`the schema serves no subgraph SDL: ${JSON.stringify(result.errors ?? result.data)}`);
  return sdl;
}
