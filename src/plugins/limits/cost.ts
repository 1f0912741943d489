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
  type DirectiveNode,
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
  /** Page size assumed for a sized field with no slicing argument given and no `assumedSize` in its `@listSize`. */
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
 * to answer it, the thing that turns into upstream calls. The model's parameters are read from
 * the schema's `@cost` and `@listSize` directives (the IBM GraphQL cost directive spec, in the
 * form Apollo Router's and Hive's demand control read them; see schema/*.graphql), so that a
 * router in front of this subgraph and this limit price an operation on the same terms.
 *
 * - A field costs its weight each time it is resolved: `@cost(weight:)` on the field, else on
 *   its named type, else 1 for an object, interface or union and 0 for a scalar or enum (the
 *   spec's defaults). A field of weight 0 is not walked into for its own sake, but its
 *   selections still count.
 * - A field is resolved once per item of the lists it sits in. `@listSize` says how many:
 *   with `sizedFields`, the named child lists (a connection's `edges`/`nodes`) have as many
 *   items as the first `slicingArguments` value given (`first`, else `last`), else
 *   `assumedSize` (20), else `defaultPageSize`; such a page counts at least 1 and at most 100
 *   (a larger one is refused by the connection itself, as BAD_USER_INPUT). On a list field
 *   itself, the slicing value or `assumedSize` is its item count; there, and on any list field
 *   without `@listSize`, a list argument given (`nodes(ids:)`, `_entities(representations:)`)
 *   counts one item per element (this is where our count is finer than a router's static one).
 *   Other lists (`contacts`, `types`) count as 1.
 * - Unlike Apollo's demand control, a list's own items are not charged their type's weight: the
 *   list field costs its weight once, and the fields inside each item are multiplied. So a
 *   router's estimate of the same operation is somewhat higher (it also charges each edge).
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
  const walk = new CostWalk(schema, costModel(schema), fragments, coerced.coerced, options.defaultPageSize ?? DEFAULT_PAGE_SIZE, options.stopAbove ?? Infinity);
  try {
    return walk.selectionCost(rootType, [operation.selectionSet], { multiplier: 1, sized: undefined, spent: 0, nesting: 0 });
  } catch (error) {
    if (error instanceof BudgetPassed) return error.counted;
    throw error;
  }
}

class BudgetPassed {
  constructor(readonly counted: number) {}
}

/** A connection's page: which of its child lists it sizes (`@listSize(sizedFields:)`), and to how many items. */
interface SizedChildren {
  fields: readonly string[];
  size: number;
}

interface Position {
  /** How many times the selection is resolved: the product of the enclosing lists' item counts. */
  multiplier: number;
  /** Set when the parent field is a connection: its sized child lists and their item count. */
  sized: SizedChildren | undefined;
  /** Cost counted outside this selection so far (ancestors and earlier siblings), for `stopAbove`. */
  spent: number;
  nesting: number;
}

/** What `@listSize` says of one field (the spec's arguments; `requireOneSlicingArgument` is a router's concern). */
interface ListSize {
  assumedSize: number | undefined;
  slicingArguments: readonly string[];
  sizedFields: readonly string[];
}

/** The schema's `@cost`/`@listSize` applications, read once per schema. */
interface CostModel {
  weightOf(field: GraphQLField<unknown, unknown>): number;
  listSizeOf(field: GraphQLField<unknown, unknown>): ListSize | undefined;
}

const models = new WeakMap<GraphQLSchema, CostModel>();

function costModel(schema: GraphQLSchema): CostModel {
  let model = models.get(schema);
  if (model) return model;
  // Imported by name through the federation `@link` (`import: ["@cost", "@listSize"]`); under
  // the spec's namespace when they are not imported.
  const costDirective = schema.getDirective('cost') ?? schema.getDirective('federation__cost');
  const listSizeDirective = schema.getDirective('listSize') ?? schema.getDirective('federation__listSize');
  const weights = new Map<GraphQLField<unknown, unknown>, number>();
  const sizes = new Map<GraphQLField<unknown, unknown>, ListSize | undefined>();
  const declaredWeight = (node: { directives?: readonly DirectiveNode[] } | null | undefined): number | undefined => {
    if (!costDirective || !node) return undefined;
    const weight = getDirectiveValues(costDirective, node)?.weight;
    return typeof weight === 'number' ? weight : undefined;
  };
  model = {
    weightOf(field) {
      let weight = weights.get(field);
      if (weight === undefined) {
        const named = getNamedType(field.type);
        weight = declaredWeight(field.astNode) ?? declaredWeight(named.astNode) ?? (isCompositeType(named) ? 1 : 0);
        weights.set(field, weight);
      }
      return weight;
    },
    listSizeOf(field) {
      if (sizes.has(field)) return sizes.get(field);
      let size: ListSize | undefined;
      const values = listSizeDirective && field.astNode ? getDirectiveValues(listSizeDirective, field.astNode) : undefined;
      if (values) {
        size = {
          assumedSize: typeof values.assumedSize === 'number' ? values.assumedSize : undefined,
          slicingArguments: Array.isArray(values.slicingArguments) ? (values.slicingArguments as string[]) : [],
          sizedFields: Array.isArray(values.sizedFields) ? (values.sizedFields as string[]) : [],
        };
      }
      sizes.set(field, size);
      return size;
    },
  };
  models.set(schema, model);
  return model;
}

class CostWalk {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly model: CostModel,
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

      cost += at.multiplier * this.model.weightOf(field);
      if (at.spent + cost > this.stopAbove) throw new BudgetPassed(at.spent + cost);
      if (!isCompositeType(returned)) continue;
      const subSelections = nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));
      cost += this.selectionCost(returned, subSelections, {
        multiplier: at.multiplier * this.itemsOf(field, node, at.sized),
        sized: this.sizedChildrenOf(field, node),
        spent: at.spent + cost,
        nesting: at.nesting + 1,
      });
    }
    return cost;
  }

  /** How many objects one resolution of `field` yields. */
  private itemsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, sized: SizedChildren | undefined): number {
    if (!isListType(getNullableType(field.type))) return 1;
    if (sized?.fields.includes(field.name)) return sized.size;
    const listSize = this.model.listSizeOf(field);
    const args = field.args.length > 0 ? getArgumentValues(field, node, this.variables) : {};
    // A list argument's length is the exact count (`nodes(ids:)`, `_entities(representations:)`).
    let fromList: number | undefined;
    for (const value of Object.values(args)) {
      if (Array.isArray(value)) fromList = Math.max(fromList ?? 1, value.length);
    }
    if (fromList !== undefined) return fromList;
    if (listSize && listSize.sizedFields.length === 0) return this.slicedSize(listSize, args) ?? 1;
    return 1;
  }

  /** For a field whose `@listSize` names `sizedFields` (a connection), the item count of those children. */
  private sizedChildrenOf(field: GraphQLField<unknown, unknown>, node: FieldNode): SizedChildren | undefined {
    const listSize = this.model.listSizeOf(field);
    if (!listSize || listSize.sizedFields.length === 0) return undefined;
    const size = this.slicedSize(listSize, getArgumentValues(field, node, this.variables)) ?? this.defaultPageSize;
    // A page over the maximum is refused by the connection itself, as BAD_USER_INPUT: counted
    // here at the maximum, so that it is refused for what it is rather than for its cost.
    return { fields: listSize.sizedFields, size: Math.min(MAX_PAGE_SIZE, Math.max(1, size)) };
  }

  /** The first slicing argument given, else `assumedSize`. */
  private slicedSize(listSize: ListSize, args: Record<string, unknown>): number | undefined {
    for (const name of listSize.slicingArguments) {
      if (typeof args[name] === 'number') return args[name];
    }
    return listSize.assumedSize;
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
