import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../graph/connection.js';
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isCompositeType,
  isListType,
  Kind,
  typeFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type NamedTypeNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export { DEFAULT_PAGE_SIZE } from '../../graph/connection.js';

export interface CostOptions {
  /** Page size assumed for a connection with neither `first` nor `last`. */
  defaultPageSize?: number;
  /**
   * Stop counting as soon as the cost passes this, and return what was counted so far (a
   * number above it, at most the full cost). Keeps the analysis of a hostile document as
   * cheap as the budget, since every unit counted is a step of the walk.
   */
  stopAbove?: number;
}

// Far deeper than any depth limit; only a document with a fragment cycle (which validation
// rejects) gets here, and it must fail rather than recurse until the stack overflows.
const MAX_NESTING = 256;

/**
 * The cost of one operation: roughly the number of objects the gateway has to fetch or build
 * to answer it, the thing that turns into upstream calls.
 *
 * - Every field that returns an object (or a list of objects) costs 1 each time it is
 *   resolved. Scalar and enum fields cost nothing: they are read off an object already paid for.
 * - A field is resolved once per item of the lists it sits in. The items of a connection's
 *   `edges`/`nodes` are its page size: `first`, else `last`, else 20. A list field with a list
 *   argument (`nodes(ids:)`, `_entities(representations:)`) has one item per element of it.
 *   Other lists (`contacts`, `types`) come inside their parent's upstream answer and count as 1.
 *   A page of 0 (or a negative one, which the resolvers reject) counts as 1.
 * - Fields are merged by response key as in execution, so a field selected twice (directly and
 *   through a fragment) costs once; `@skip`/`@include` and variables are applied. A field of
 *   an interface or union type costs what its most expensive possible object type would.
 * - Introspection (`__schema`, `__type`, `__typename`) is free: it reads the in-memory schema.
 *
 * PartnerSupplyNetwork (shared/graph.md): partner, companyRelationships, pageInfo and edges
 * once each (4); node, company, organization, relationships and its `nodes` per edge (5 × 25);
 * target and contacts per relationship (2 × 25 × 10): 629.
 *
 * Expects a document that passed validation. `variables` are the request's raw values;
 * returns `null` when they do not coerce to the operation's variable types (execution then
 * rejects the request before any resolver runs, so there is nothing to limit).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  options: CostOptions = {},
): number | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return null;
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const walk = new CostWalk(schema, fragments, coerced.coerced, options.defaultPageSize ?? DEFAULT_PAGE_SIZE, options.stopAbove ?? Infinity);
  try {
    return walk.selectionCost(rootType, [operation.selectionSet], { multiplier: 1, pageSize: undefined, spent: 0, nesting: 0 });
  } catch (error) {
    if (error instanceof BudgetPassed) return error.counted;
    throw error;
  }
}

class BudgetPassed {
  constructor(readonly counted: number) {}
}

interface Position {
  /** How many times the selection is resolved: the product of the enclosing lists' item counts. */
  multiplier: number;
  /** Set when the parent field is a connection: the item count of its `edges`/`nodes`. */
  pageSize: number | undefined;
  /** Cost counted outside this selection so far (ancestors and earlier siblings), for `stopAbove`. */
  spent: number;
  nesting: number;
}

class CostWalk {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Record<string, unknown>,
    private readonly defaultPageSize: number,
    private readonly stopAbove: number,
  ) {}

  /** `selectionSets`: the sub-selections of all field nodes merged under one response key. */
  selectionCost(type: GraphQLCompositeType, selectionSets: readonly SelectionSetNode[], at: Position): number {
    if (at.nesting > MAX_NESTING) throw new Error(`operationCost: selections nest deeper than ${MAX_NESTING} levels; does the document have a fragment cycle? It must be validated first.`);
    if (!isAbstractType(type)) return this.objectCost(type, selectionSets, at);
    // Each item is one object of one possible type, so the field costs what its most expensive
    // type costs. Every possible type is walked; the schema's abstract types (Node, _Entity)
    // have a handful each and sit only at the root, so this is a few walks of small trees.
    let most = 0;
    for (const possible of this.schema.getPossibleTypes(type)) most = Math.max(most, this.objectCost(possible, selectionSets, at));
    return most;
  }

  private objectCost(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[], at: Position): number {
    let cost = 0;
    for (const nodes of this.collectFields(type, selectionSets).values()) {
      const node = nodes[0]!;
      const name = node.name.value;
      if (name.startsWith('__')) continue;
      const field = type.getFields()[name];
      if (!field) continue; // Unknown fields do not pass validation.
      const returned = getNamedType(field.type);
      if (!isCompositeType(returned)) continue;

      cost += at.multiplier;
      if (at.spent + cost > this.stopAbove) throw new BudgetPassed(at.spent + cost);
      const subSelections = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      cost += this.selectionCost(returned, subSelections, {
        multiplier: at.multiplier * this.itemsOf(field, node, at.pageSize),
        pageSize: this.pageSizeOf(field, node),
        spent: at.spent + cost,
        nesting: at.nesting + 1,
      });
    }
    return cost;
  }

  /** How many objects one resolution of `field` yields. */
  private itemsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, connectionPageSize: number | undefined): number {
    if (!isListType(getNullableType(field.type))) return 1;
    if (connectionPageSize !== undefined) return connectionPageSize;
    let items = 1;
    if (field.args.some((arg) => isListType(getNullableType(arg.type)))) {
      for (const value of Object.values(getArgumentValues(field, node, this.variables))) {
        if (Array.isArray(value)) items = Math.max(items, value.length);
      }
    }
    return items;
  }

  /** For a connection field (one with `first`/`last`), the page it asks for; else undefined. */
  private pageSizeOf(field: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined {
    if (!field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) return undefined;
    const args = getArgumentValues(field, node, this.variables);
    const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : this.defaultPageSize;
    // A page over the maximum is refused by the connection itself, as BAD_USER_INPUT: counted
    // here at the maximum, so that it is refused for what it is rather than for its cost.
    return Math.min(MAX_PAGE_SIZE, Math.max(1, size));
  }

  /** The fields executed on an object of `type`, by response key: graphql-js's `collectFields`. */
  private collectFields(type: GraphQLObjectType, selectionSets: readonly SelectionSetNode[]): Map<string, FieldNode[]> {
    const fields = new Map<string, FieldNode[]>();
    const visitedFragments = new Set<string>();
    const collect = (selectionSet: SelectionSetNode): void => {
      for (const selection of selectionSet.selections) {
        if (!this.included(selection)) continue;
        switch (selection.kind) {
          case Kind.FIELD: {
            const key = selection.alias?.value ?? selection.name.value;
            const existing = fields.get(key);
            if (existing) existing.push(selection);
            else fields.set(key, [selection]);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            if (this.applies(selection.typeCondition, type)) collect(selection.selectionSet);
            break;
          case Kind.FRAGMENT_SPREAD: {
            const name = selection.name.value;
            // Also what keeps `...A` inside `...B` inside `...A` on one level from looping.
            if (visitedFragments.has(name)) break;
            visitedFragments.add(name);
            const fragment = this.fragments.get(name);
            if (fragment && this.applies(fragment.typeCondition, type)) collect(fragment.selectionSet);
            break;
          }
        }
      }
    };
    for (const selectionSet of selectionSets) collect(selectionSet);
    return fields;
  }

  private applies(condition: NamedTypeNode | undefined, type: GraphQLObjectType): boolean {
    if (!condition) return true;
    const conditionType = typeFromAST(this.schema, condition);
    if (!conditionType) return false;
    if (conditionType === type) return true;
    return isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }

  private included(node: FieldNode | InlineFragmentNode | FragmentSpreadNode): boolean {
    if (getDirectiveValues(GraphQLSkipDirective, node, this.variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, this.variables)?.if === false) return false;
    return true;
  }
}
