import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  getVariableValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isObjectType,
  Kind,
  visit,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

// The response's Cache-Control from the schema's @cacheControl hints, worked out once per
// document from its selections instead of per resolved field (issue 12: Apollo's
// cache-control plugin runs a willResolveField hook, with a closure and a policy object, for
// every field of every response: several per cent of the CPU of a wide operation). This
// schema has no dynamic hints (no resolver calls setCacheHint), so the hints that apply
// follow from the document alone.
//
// The rules are Apollo's (https://www.apollographql.com/docs/apollo-server/performance/caching):
// a field takes its own hint, else its return type's; a field returning a composite type, and
// every root field, without a maxAge and not `inheritMaxAge`, gets maxAge 0 (uncacheable); the
// response takes the lowest maxAge and PRIVATE if any field says so. One difference, on the
// safe side: every field the document selects counts, including those under a parent that
// turns out null (Apollo counts resolved fields only), so a response may get a shorter maxAge
// than Apollo would give it, never a longer one. For a field whose return type is abstract and
// has no hint (`_entities`, `node`), the hints of the object types its fragments select apply,
// as @apollo/subgraph applies the returned entity's type hint.

export type CacheScope = 'PUBLIC' | 'PRIVATE';
interface Hint {
  maxAge?: number;
  scope?: CacheScope;
  inheritMaxAge?: boolean;
}
/** The response's policy: `maxAge` undefined means no field set one (uncacheable). */
export interface ResponsePolicy {
  maxAge?: number;
  scope: CacheScope;
}

function hintFromDirectives(directives: readonly DirectiveNode[] | undefined): Hint | undefined {
  const directive = directives?.find((d) => d.name.value === 'cacheControl');
  if (!directive?.arguments) return undefined;
  const arg = (name: string) => directive.arguments!.find((a) => a.name.value === name)?.value;
  const scopeValue = arg('scope');
  const scopeName = scopeValue?.kind === Kind.ENUM ? scopeValue.value : undefined;
  const scope = scopeName === 'PUBLIC' || scopeName === 'PRIVATE' ? scopeName : undefined;
  const inherit = arg('inheritMaxAge');
  if (inherit?.kind === Kind.BOOLEAN && inherit.value) return { inheritMaxAge: true, scope };
  const maxAge = arg('maxAge');
  return { maxAge: maxAge?.kind === Kind.INT ? parseInt(maxAge.value, 10) : undefined, scope };
}

function typeHint(type: GraphQLNamedType): Hint {
  const found = hintFromDirectives(type.astNode?.directives);
  if (found) return found;
  for (const node of type.extensionASTNodes ?? []) {
    const hint = hintFromDirectives(node.directives);
    if (hint) return hint;
  }
  return {};
}

function fieldHint(field: GraphQLField<unknown, unknown>): Hint {
  return hintFromDirectives(field.astNode?.directives) ?? {};
}

class Policy {
  maxAge: number | undefined;
  scope: CacheScope = 'PUBLIC';
  restrict(hint: { maxAge?: number | undefined; scope?: CacheScope | undefined }): void {
    if (hint.maxAge !== undefined && (this.maxAge === undefined || hint.maxAge < this.maxAge)) this.maxAge = hint.maxAge;
    if (hint.scope === 'PRIVATE') this.scope = 'PRIVATE';
  }
}

/** Works out documents' policies against one schema, remembering each (document, operation, variables that matter). */
export class StaticCachePolicy {
  private readonly typeHints = new Map<GraphQLNamedType, Hint>();
  private readonly fieldHints = new Map<GraphQLField<unknown, unknown>, Hint>();
  private readonly byDocument = new WeakMap<DocumentNode, { conditional: boolean; policies: Map<string, ResponsePolicy> }>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly defaultMaxAge = 0,
  ) {}

  /** The policy of `operation` of `document` with these variables (they matter only to @skip/@include). */
  policy(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): ResponsePolicy {
    let entry = this.byDocument.get(document);
    if (!entry) this.byDocument.set(document, (entry = { conditional: hasConditionalDirectives(document), policies: new Map() }));
    const key = `${operation.name?.value ?? ''}\u0000${entry.conditional ? JSON.stringify(variables ?? {}) : ''}`;
    let found = entry.policies.get(key);
    if (!found) {
      // @skip/@include read the coerced values (defaults applied). Values that do not coerce
      // fail the request in execution anyway: nothing cacheable then.
      let values: Record<string, unknown> = {};
      if (entry.conditional) {
        const coerced = getVariableValues(this.schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
        if (coerced.errors) return { scope: 'PUBLIC' };
        values = coerced.coerced;
      }
      found = this.compute(document, operation, values);
      // Variables vary without bound: keep a few per document.
      if (entry.policies.size >= 64) entry.policies.clear();
      entry.policies.set(key, found);
    }
    return found;
  }

  private typeHint(type: GraphQLNamedType): Hint {
    let hint = this.typeHints.get(type);
    if (!hint) this.typeHints.set(type, (hint = typeHint(type)));
    return hint;
  }

  private fieldHint(field: GraphQLField<unknown, unknown>): Hint {
    let hint = this.fieldHints.get(field);
    if (!hint) this.fieldHints.set(field, (hint = fieldHint(field)));
    return hint;
  }

  private compute(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): ResponsePolicy {
    const root = this.schema.getRootType(operation.operation);
    const overall = new Policy();
    if (!root) return { scope: overall.scope };
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    this.walk(operation.selectionSet, root, true, overall, fragments, variables, new Set());
    return { maxAge: overall.maxAge, scope: overall.scope };
  }

  private walk(
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    isRoot: boolean,
    overall: Policy,
    fragments: Map<string, FragmentDefinitionNode>,
    variables: Record<string, unknown>,
    spreading: Set<string>,
  ): void {
    for (const selection of selectionSet.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        this.field(selection, parent, isRoot, overall, fragments, variables, spreading);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) this.walk(selection.selectionSet, condition, isRoot, overall, fragments, variables, spreading);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Validation refuses fragment cycles; the guard keeps this from looping if it ever ran first.
        if (!fragment || spreading.has(name)) continue;
        const condition = this.schema.getType(fragment.typeCondition.name.value);
        if (!condition || !isCompositeType(condition)) continue;
        spreading.add(name);
        this.walk(fragment.selectionSet, condition, isRoot, overall, fragments, variables, spreading);
        spreading.delete(name);
      }
    }
  }

  private field(
    node: FieldNode,
    parent: GraphQLCompositeType,
    isRoot: boolean,
    overall: Policy,
    fragments: Map<string, FragmentDefinitionNode>,
    variables: Record<string, unknown>,
    spreading: Set<string>,
  ): void {
    const name = node.name.value;
    // Meta fields (__typename, introspection) carry no hints, as with Apollo's plugin.
    if (name.startsWith('__')) return;
    // At run time the parent is an object type: on an interface or union, each possible one.
    const parents: readonly GraphQLObjectType[] = isObjectType(parent) ? [parent] : isAbstractType(parent) ? this.schema.getPossibleTypes(parent) : [];
    let returned: GraphQLNamedType | undefined;
    for (const objectType of parents) {
      const field = objectType.getFields()[name];
      if (!field) continue;
      const target = getNamedType(field.type);
      returned ??= target;
      const policy = new Policy();
      let inheritMaxAge = false;
      if (isCompositeType(target)) {
        const hint = this.typeHint(target);
        policy.restrict(hint);
        inheritMaxAge = !!hint.inheritMaxAge;
        // An abstract type without a hint of its own: the object types the selection names
        // (what @apollo/subgraph does for `_entities` with the returned entity's type).
        if (isAbstractType(target) && hint.maxAge === undefined && !inheritMaxAge && node.selectionSet) {
          for (const selected of this.selectedObjectTypes(node.selectionSet, target, fragments)) policy.restrict(this.typeHint(selected));
        }
      }
      const own = this.fieldHint(field as GraphQLField<unknown, unknown>);
      if (own.inheritMaxAge && policy.maxAge === undefined) {
        inheritMaxAge = true;
        if (own.scope) policy.restrict({ scope: own.scope });
      } else if (own.maxAge !== undefined || own.scope !== undefined) {
        // Apollo's `replace`: the field's own hint wins over the type's where it says something.
        if (own.maxAge !== undefined) policy.maxAge = own.maxAge;
        if (own.scope !== undefined) policy.scope = own.scope;
      }
      if (policy.maxAge === undefined && ((isCompositeType(target) && !inheritMaxAge) || isRoot)) policy.restrict({ maxAge: this.defaultMaxAge });
      overall.restrict(policy);
    }
    if (node.selectionSet && returned && isCompositeType(returned)) this.walk(node.selectionSet, returned, false, overall, fragments, variables, spreading);
  }

  /** The object types a selection on abstract `type` names in its type conditions (directly, or through fragments). */
  private selectedObjectTypes(selectionSet: SelectionSetNode, type: GraphQLCompositeType, fragments: Map<string, FragmentDefinitionNode>): GraphQLObjectType[] {
    const found = new Set<GraphQLObjectType>();
    const seen = new Set<string>();
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) continue;
        const condition = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition?.name.value : fragments.get(selection.name.value)?.typeCondition.name.value;
        const conditionType = condition ? this.schema.getType(condition) : undefined;
        if (conditionType && isObjectType(conditionType) && isAbstractType(type) && this.schema.isSubType(type, conditionType)) found.add(conditionType);
        if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
        else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = fragments.get(selection.name.value);
          if (fragment) collect(fragment.selectionSet);
        }
      }
    };
    collect(selectionSet);
    return [...found];
  }
}

function included(selection: { directives?: readonly DirectiveNode[] | undefined }, variables: Record<string, unknown>): boolean {
  if (!selection.directives?.length) return true;
  const skip = getDirectiveValues(GraphQLSkipDirective, selection as FieldNode, variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, selection as FieldNode, variables);
  return include?.if !== false;
}

function hasConditionalDirectives(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'skip' || node.name.value === 'include') found = true;
    },
  });
  return found;
}

/**
 * Sets `Cache-Control` on every response from the document's @cacheControl hints (see above):
 * `max-age=N, public|private` when the response is cacheable and has no errors, else
 * `no-store`; and restricts Apollo's `overallCachePolicy` the same way. Use it instead of
 * ApolloServerPluginCacheControl (disable that one with ApolloServerPluginCacheControlDisabled).
 */
export function staticCacheControlPlugin(options: { defaultMaxAge?: number } = {}): ApolloServerPlugin {
  let policies: StaticCachePolicy | undefined;
  return {
    async serverWillStart({ schema }) {
      policies = new StaticCachePolicy(schema, options.defaultMaxAge ?? 0);
    },
    async requestDidStart() {
      let computed: ResponsePolicy | undefined;
      return {
        async didResolveOperation({ document, operation, request, overallCachePolicy }) {
          if (!policies || !operation) return;
          computed = policies.policy(document, operation, request.variables);
          overallCachePolicy.restrict(computed);
        },
        async willSendResponse({ response }) {
          const cacheable = computed?.maxAge !== undefined && computed.maxAge > 0;
          const noErrors = response.body.kind === 'single' && !response.body.singleResult.errors;
          response.http.headers.set('cache-control', cacheable && noErrors ? `max-age=${computed!.maxAge}, ${computed!.scope.toLowerCase()}` : 'no-store');
        },
      };
    },
  };
}
