// How a schema-stitching gateway (@graphql-tools/stitch) merges this graph's types with its
// other subschemas. Nothing here runs in the gateway itself; it is the documented contract a
// stitching gateway imports. It imports @graphql-tools/stitch, which such a gateway has
// anyway (here it is a devDependency: the gateway's own runtime never loads this module).
//
// The entry point is the Federation `_entities` field that /graphql already serves: it takes
// any number of keys in one call and resolves them through the same per-request loaders as
// every other field, so a stitched gateway needs no extra "by ids" query fields and gets the
// same batching (companies and organizations deduplicated and fanned out, organizations by
// externalId in batches of 100).
//
//   const executor = buildHTTPExecutor({ endpoint: 'https://gateway.example/graphql' });
//   const sdl = (await executor({ document: parse('{ _service { sdl } }') })).data._service.sdl;
//   stitchSchemas({ subschemas: [{ schema: buildSchema(sdl), executor, batch: true, merge: stitchingMergeConfig }, …] });
import { createMergedTypeResolver } from '@graphql-tools/stitch';
import { GraphQLError, Kind, type SelectionSetNode } from 'graphql';

/** The merged types and their keys: the same entities, keyed the same way, as the Federation `@key`s. */
export const ENTITY_KEYS = {
  Partner: 'partnerId',
  Company: 'companyId',
  Organization: 'organizationId',
} as const;

export type EntityTypeName = keyof typeof ENTITY_KEYS;

type MergedTypeResolver = NonNullable<ReturnType<typeof createMergedTypeResolver>>;

/** One merged type's entry point, in the shape of @graphql-tools/delegate's `MergedTypeConfig`. */
export interface EntityMergeConfig {
  /** What the gateway must know of an object, from any subschema, to fetch the rest here. */
  selectionSet: string;
  fieldName: '_entities';
  /** One representation per object; the stitching gateway batches (and deduplicates) them per request. */
  key: (object: Record<string, unknown>) => EntityRepresentation;
  argsFromKeys: (representations: readonly EntityRepresentation[]) => { representations: readonly EntityRepresentation[] };
  /** The batched `_entities` call, with errors kept at each item's own path (`itemExactResolver`). */
  resolve: MergedTypeResolver;
}

export interface EntityRepresentation {
  __typename: EntityTypeName;
  [keyField: string]: unknown;
}

function entityMergeConfig(typename: EntityTypeName): EntityMergeConfig {
  const keyField = ENTITY_KEYS[typename];
  const argsFromKeys = (representations: readonly EntityRepresentation[]) => ({ representations });
  return {
    selectionSet: `{ ${keyField} }`,
    fieldName: '_entities',
    key: (object) => ({ __typename: typename, [keyField]: object[keyField] }),
    argsFromKeys,
    resolve: itemExactResolver(createMergedTypeResolver({ fieldName: '_entities', argsFromKeys }, typename)!),
  };
}

/**
 * The library's own batched resolver (`createMergedTypeResolver`, the one `fieldName` +
 * `argsFromKeys` would give), with one change: when one object of the batch fails (an unknown
 * company: `null` with NOT_FOUND at `["_entities", i]`), its error lands at that object's own
 * path, such as `["watched", 1, "name"]`, instead of losing the index.
 *
 * Why: @graphql-tools merges the objects of a list with the `info` of the list field, so it
 * locates a failed merge at `["watched", "name"]` whatever the item (and batch delegation drops
 * the batch index on purpose, as it means nothing in the stitched document). A merge result that
 * is an object is merged field by field instead; so a failure is answered as an object whose
 * fields, those this subschema was asked for and the object does not have yet, hold the error
 * without a path. graphql-js then locates it where the field really is, and the non-null rules
 * decide how far the null reaches (for `name: String!`, the item itself). The other items of the
 * batch are untouched.
 */
function itemExactResolver(batched: MergedTypeResolver): MergedTypeResolver {
  return (originalResult, context, info, subschema, selectionSet, key, type, skipTypeMerging) => {
    const asFieldErrors = (error: unknown) => fieldErrors(error, selectionSet, originalResult as Record<string, unknown>);
    try {
      const result = batched(originalResult, context, info, subschema, selectionSet, key, type, skipTypeMerging);
      if (result instanceof Error) return asFieldErrors(result);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        return Promise.resolve(result).then((value) => (value instanceof Error ? asFieldErrors(value) : value), asFieldErrors);
      }
      return result;
    } catch (error) {
      return asFieldErrors(error);
    }
  };
}

function fieldErrors(error: unknown, selectionSet: SelectionSetNode, known: Record<string, unknown>): Record<string, GraphQLError> {
  const original = error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error));
  const fields: Record<string, GraphQLError> = {};
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      if (selection.kind !== Kind.FIELD) continue;
      const responseKey = selection.alias?.value ?? selection.name.value;
      // `__typename` and what the object already has (its key, fields from other subschemas) stay.
      if (responseKey === '__typename' || known?.[responseKey] !== undefined) continue;
      // A fresh error without path or locations, so that graphql-js locates it at the field.
      fields[responseKey] = new GraphQLError(original.message, { extensions: original.extensions, originalError: original.originalError ?? undefined });
    }
  };
  collect(selectionSet);
  return fields;
}

/** `merge` of this graph's subschema config in `stitchSchemas`. */
export const stitchingMergeConfig: Record<EntityTypeName, EntityMergeConfig> = {
  Partner: entityMergeConfig('Partner'),
  Company: entityMergeConfig('Company'),
  Organization: entityMergeConfig('Organization'),
};
