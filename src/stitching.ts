// How a schema-stitching gateway (@graphql-tools/stitch) merges this graph's types with its
// other subschemas. Nothing here runs in the gateway itself; it is the documented contract a
// stitching gateway imports (or copies: it is plain data and two small functions).
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

/** The merged types and their keys: the same entities, keyed the same way, as the Federation `@key`s. */
export const ENTITY_KEYS = {
  Partner: 'partnerId',
  Company: 'companyId',
  Organization: 'organizationId',
} as const;

export type EntityTypeName = keyof typeof ENTITY_KEYS;

/** One merged type's entry point, in the shape of @graphql-tools/delegate's `MergedTypeConfig`. */
export interface EntityMergeConfig {
  /** What the gateway must know of an object, from any subschema, to fetch the rest here. */
  selectionSet: string;
  fieldName: '_entities';
  /** One representation per object; the stitching gateway batches (and deduplicates) them per request. */
  key: (object: Record<string, unknown>) => EntityRepresentation;
  argsFromKeys: (representations: readonly EntityRepresentation[]) => { representations: readonly EntityRepresentation[] };
}

export interface EntityRepresentation {
  __typename: EntityTypeName;
  [keyField: string]: unknown;
}

function entityMergeConfig(typename: EntityTypeName): EntityMergeConfig {
  const keyField = ENTITY_KEYS[typename];
  return {
    selectionSet: `{ ${keyField} }`,
    fieldName: '_entities',
    key: (object) => ({ __typename: typename, [keyField]: object[keyField] }),
    argsFromKeys: (representations) => ({ representations }),
  };
}

/** `merge` of this graph's subschema config in `stitchSchemas`. */
export const stitchingMergeConfig: Record<EntityTypeName, EntityMergeConfig> = {
  Partner: entityMergeConfig('Partner'),
  Company: entityMergeConfig('Company'),
  Organization: entityMergeConfig('Organization'),
};
