import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import {
  graphqlSync,
  isUnionType,
  parse,
  printSchema,
  visit,
  type DocumentNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';
import { badUserInput } from './errors.js';
import type { GatewayContext } from './graph/context.js';
import { resolvers } from './resolvers/index.js';
import { referenceResolvers } from './resolvers/reference.js';

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
 * Root fields that /graphql serves but the subgraph SDL leaves out. In a supergraph exactly one
 * subgraph answers `node(id)` (the one that can route any id); a neighbour written the Relay
 * way has its own `Query.node`, and two non-shareable `node` fields do not compose. Marking ours
 * `@shareable` would compose but be wrong: the router would then send a neighbour's id to
 * whichever subgraph it picks. So the supergraph's `node` is the neighbour's, and a
 * node-directory neighbour reaches ours directly over /graphql (README, "Composing into a supergraph").
 */
export const PUBLIC_ONLY_QUERY_FIELDS: ReadonlySet<string> = new Set(['node', 'nodes']);

/** The type definitions without the fields of `PUBLIC_ONLY_QUERY_FIELDS`: what a supergraph composes. */
function subgraphTypeDefs(typeDefs: DocumentNode): DocumentNode {
  return visit(typeDefs, {
    ObjectTypeDefinition: withoutPublicOnlyFields,
    ObjectTypeExtension: withoutPublicOnlyFields,
  });
}

function withoutPublicOnlyFields<T extends ObjectTypeDefinitionNode | ObjectTypeExtensionNode>(node: T): T {
  if (node.name.value !== 'Query') return node;
  return { ...node, fields: node.fields?.filter((field) => !PUBLIC_ONLY_QUERY_FIELDS.has(field.name.value)) };
}

/**
 * Built once per process: building a schema is far too slow for a request path.
 *
 * The schema is a Federation 2 subgraph (the `@link`/`@key` in schema/*.graphql), so /graphql
 * serves `_service` and `_entities` beside the public fields: a supergraph can compose it as
 * it is, and `_entities` is also the batch entry point for schema stitching (src/stitching.ts).
 * `_service { sdl }` answers the SDL without `PUBLIC_ONLY_QUERY_FIELDS`; `_entities` answers a
 * malformed representation with BAD_USER_INPUT at its own index (`guardEntities`).
 *
 * `extension` adds types and fields (an added upstream's, docs/architecture.md): its SDL is
 * appended to schema/*.graphql (so it may `extend type Query`) and its resolvers are merged in
 * type by type; a field both define is a mistake and throws.
 */
export function buildGatewaySchema(extension: SchemaExtension = {}): GraphQLSchema {
  const typeDefs = parse([...loadTypeDefs(), ...(extension.typeDefs ? [extension.typeDefs] : [])].join('\n'));
  const base = mergeResolvers(resolvers as GraphQLResolverMap<GatewayContext>, referenceResolvers as unknown as GraphQLResolverMap<GatewayContext>);
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: mergeResolvers(base, extension.resolvers ?? {}) }]);
  // The subgraph SDL as @apollo/subgraph prints it (federation directives kept, federation
  // types left out), from a schema built without the public-only fields: no resolvers needed.
  const sdl = subgraphSdlOf(subgraphTypeDefs(typeDefs));
  const queryFields = schema.getQueryType()!.getFields();
  queryFields._service!.resolve = () => ({ sdl });
  guardEntities(schema, queryFields._entities!);
  return schema;
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

/**
 * Makes `_entities` check each representation before @apollo/subgraph sees it. Representations
 * are `_Any`: nothing validated them. @apollo/subgraph throws synchronously, inside its `map`,
 * for a `__typename` that names no type, which fails the whole list with a plain Error
 * (INTERNAL_SERVER_ERROR); for a type that is no entity it hands the representation itself to
 * the field resolvers. Here each bad one becomes a BAD_USER_INPUT error at its own index (graphql-js
 * completes a list item that is an Error as a field error at that path), and only the good ones
 * reach the entity resolvers, in their order.
 */
function guardEntities(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): void {
  const resolveEntities = field.resolve!;
  const entityUnion = schema.getType('_Entity');
  const entityTypes = new Set(isUnionType(entityUnion) ? entityUnion.getTypes().map((type) => type.name) : []);
  const known = [...entityTypes].sort().join(', ');
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    const problems = representations.map((representation): GraphQLError | undefined => {
      if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) {
        return badUserInput('An entity representation must be an object with a `__typename` and the key fields of that entity.', { argumentName: 'representations' });
      }
      const typename: unknown = (representation as { __typename?: unknown }).__typename;
      if (typeof typename !== 'string' || !entityTypes.has(typename)) {
        return badUserInput(`An entity representation's \`__typename\` must name an entity of this subgraph (${known}); got ${JSON.stringify(typename) ?? 'nothing'}.`, {
          argumentName: 'representations',
        });
      }
      return undefined;
    });
    if (problems.every((problem) => problem === undefined)) return resolveEntities(source, args, context, info);
    const valid = representations.filter((_, i) => problems[i] === undefined);
    const resolved = resolveEntities(source, { ...args, representations: valid }, context, info);
    const interleave = (items: unknown[]) => {
      let next = 0;
      return problems.map((problem) => problem ?? items[next++]);
    };
    // @apollo/subgraph answers a plain array (of values and promises); a promise is allowed too.
    return Array.isArray(resolved) ? interleave(resolved) : Promise.resolve(resolved).then((items) => interleave(items as unknown[]));
  };
}

/**
 * The subgraph SDL @apollo/subgraph prints for these type definitions (federation directives
 * kept, federation types left out). Exported for the composition tests, which also show why
 * the public schema itself would not compose beside a Relay neighbour.
 */
export function subgraphSdlOf(typeDefs: DocumentNode): string {
  return servedSdl(buildSubgraphSchema([{ typeDefs }]));
}

function servedSdl(schema: GraphQLSchema): string {
  const result = graphqlSync({ schema, source: '{ _service { sdl } }' });
  const sdl = (result.data?._service as { sdl?: unknown } | undefined)?.sdl;
  if (typeof sdl !== 'string') throw new Error(`the schema serves no subgraph SDL: ${JSON.stringify(result.errors ?? result.data)}`);
  return sdl;
}

/** The subgraph SDL a supergraph composes: exactly what `_service { sdl }` answers over HTTP. */
export function printGatewaySubgraphSdl(schema: GraphQLSchema = buildGatewaySchema()): string {
  return servedSdl(schema);
}

/**
 * The SDL that direct clients of /graphql see (by introspection): the whole executable schema,
 * `node`/`nodes` and the federation fields `_entities`/`_service` included.
 */
export function printGatewayPublicSdl(schema: GraphQLSchema = buildGatewaySchema()): string {
  return printSchema(schema);
}
