import { GraphQLIncludeDirective, GraphQLSkipDirective, Kind, type FieldNode, type GraphQLResolveInfo, type SelectionNode, type SelectionSetNode } from 'graphql';
import { getDirectiveValues } from 'graphql/execution/values.js';

/**
 * The first field called `name` that the current field's selection asks for, looking through
 * fragments but not into sub-fields. Resolvers use it to start an upstream call early, when
 * they know a child field will need it: a round trip saved on the critical path.
 */
export function selectedField(info: GraphQLResolveInfo, name: string): FieldNode | undefined {
  for (const node of info.fieldNodes) {
    const found = findField(node.selectionSet, name, info);
    if (found) return found;
  }
  return undefined;
}

function findField(selectionSet: SelectionSetNode | undefined, name: string, info: GraphQLResolveInfo): FieldNode | undefined {
  for (const selection of selectionSet?.selections ?? []) {
    if (!included(selection, info)) continue;
    if (selection.kind === Kind.FIELD && selection.name.value === name) return selection;
    const nested =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : selection.kind === Kind.FRAGMENT_SPREAD
          ? info.fragments[selection.name.value]?.selectionSet
          : undefined;
    const found = nested && findField(nested, name, info);
    if (found) return found;
  }
  return undefined;
}

/** `@skip`/`@include`, as execution will apply them: a field left out must not be prepared for. */
function included(selection: SelectionNode, info: GraphQLResolveInfo): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, selection, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, selection, info.variableValues)?.if !== false;
}
