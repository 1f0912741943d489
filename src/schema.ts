import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
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

/** Built once per process: building a schema is far too slow for a request path. */
export function buildGatewaySchema(): GraphQLSchema {
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never });
}
