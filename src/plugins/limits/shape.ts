import { Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export interface OperationShape {
  /** Deepest field nesting: `{ a { b } }` is 2. Fragments add no level of their own. */
  depth: number;
  /** Aliased fields, counted once per use of the fragment they are in. */
  aliases: number;
}

/**
 * Depth and alias count of one operation, read off the document alone: `@skip`/`@include`
 * are not applied, so a field that might be skipped still counts (the shape must be within
 * limits whatever the variables).
 *
 * Introspection fields (`__schema`, `__type`) add no depth: graphql-js's own
 * MaxIntrospectionDepthRule (a standard validation rule) bounds introspection nesting, and
 * tools' introspection queries nest `ofType` deeper than any data query we serve.
 *
 * Each fragment is measured once and the result reused at every spread, so the work is linear
 * in the document even when fragments spread fragments many times over. A fragment cycle
 * (which validation rejects anyway) counts its repeated spread as empty instead of looping.
 */
export function operationShape(document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measured = new Map<string, OperationShape>();
  const measuring = new Set<string>();

  const fragmentShape = (name: string): OperationShape => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || measuring.has(name)) return { depth: 0, aliases: 0 };
    measuring.add(name);
    const shape = selectionShape(fragment.selectionSet);
    measuring.delete(name);
    measured.set(name, shape);
    return shape;
  };

  const selectionShape = (selectionSet: SelectionSetNode): OperationShape => {
    let depth = 0;
    let aliases = 0;
    for (const selection of selectionSet.selections) {
      let inner: OperationShape;
      switch (selection.kind) {
        case Kind.FIELD: {
          const introspection = selection.name.value === '__schema' || selection.name.value === '__type';
          const below = selection.selectionSet ? selectionShape(selection.selectionSet) : { depth: 0, aliases: 0 };
          inner = { depth: introspection ? 0 : 1 + below.depth, aliases: (selection.alias ? 1 : 0) + below.aliases };
          break;
        }
        case Kind.INLINE_FRAGMENT:
          inner = selectionShape(selection.selectionSet);
          break;
        case Kind.FRAGMENT_SPREAD:
          inner = fragmentShape(selection.name.value);
          break;
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
    }
    return { depth, aliases };
  };

  return selectionShape(operation.selectionSet);
}
