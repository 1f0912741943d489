import { getArgumentValues } from 'graphql/execution/values.js';
import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { planWindow, toConnection, windowWithin, type ConnectionArgs } from '../graph/connection.js';
import type { GatewayContext } from '../graph/context.js';
import type { PartnerModel, PartnerRelationshipModel } from '../graph/models.js';
import { encodeId, mintId } from '../graph/ids.js';
import type { PartnerPageKey } from '../loaders/index.js';
import type { PartnerResolvers, PartnerRelationshipResolvers } from '../generated/graphql.js';
import { referenceId } from './reference.js';
import { selectedField } from './selection.js';

// iQmetrix has no endpoint for a partner itself: a partner exists when its relationship list
// answers (404 when it does not). Checking that costs a request, so the check asks for the
// very page that the `companyRelationships` field below will want; the loader then hands the
// field that page, and `partner { companyRelationships(first: 25) }` stays one request.

const cursorScope = (partnerId: number) => `p${partnerId}`;

export async function loadPartner(partnerId: number, context: GatewayContext, info: GraphQLResolveInfo): Promise<PartnerModel> {
  await context.loaders.partnerRelationshipPage.load(firstPageWanted(partnerId, info));
  return { partnerId };
}

/** The page the selection's first `companyRelationships` will ask for, or just the count. */
function firstPageWanted(partnerId: number, info: GraphQLResolveInfo): PartnerPageKey {
  const countOnly = { partnerId, skip: 0, top: 0 };
  const partnerType = info.schema.getType('Partner') as GraphQLObjectType;
  const field = selectedField(info, 'companyRelationships');
  if (!field) return countOnly;
  try {
    const args = getArgumentValues(partnerType.getFields().companyRelationships!, field, info.variableValues) as ConnectionArgs;
    const plan = planWindow(args, cursorScope(partnerId));
    return plan.kind === 'window' ? { partnerId, skip: plan.start, top: plan.end - plan.start } : countOnly;
  } catch {
    // Bad arguments are reported by the field itself; the existence check goes on.
    return countOnly;
  }
}

export const Partner: PartnerResolvers = {
  // Checked for existence like `Query.partner`. `info` is `_entities`'s, whose selection holds
  // `... on Partner { companyRelationships(…) }`, so the check still asks for the page the field wants.
  __resolveReference: async (reference, context, info) => loadPartner(referenceId(reference, 'partnerId'), context, info),
  id: ({ partnerId }) => encodeId('Partner', partnerId),
  partnerId: ({ partnerId }) => partnerId,
  companyRelationships: async ({ partnerId }, args, { loaders }) => {
    const scope = cursorScope(partnerId);
    // Planned without the total even when it is known, so that the page asked for is the one
    // `loadPartner` already fetched for the existence check.
    const plan = planWindow(args, scope);
    let { start, end } = plan.kind === 'window' ? plan : windowWithin(args, scope, await loaders.partnerTotal(partnerId));
    const load = () => loaders.partnerRelationshipPage.load({ partnerId, skip: start, top: end - start });
    let page = await load();
    let total = page.totalKnown ? page.total : (loaders.knownPartnerTotal(partnerId) ?? page.total);
    // Without a count, an empty page says nothing about the length (it may be `first: 0`, or a
    // cursor past the end): only walking the list tells it.
    if (!page.totalKnown && page.items.length === 0 && total <= start) total = await loaders.partnerTotal(partnerId);
    // `last` before a cursor past the end of the list (the list shrank since the cursor was
    // issued): the window counts back from the real end, which only the first answer told.
    if (args.last != null && end > total) {
      ({ start, end } = windowWithin(args, scope, total));
      page = await load();
    }
    // Explicit fields, not a spread: this runs for every edge of every page.
    const items: PartnerRelationshipModel[] = page.items.slice(0, end - start).map((item) => ({
      partnerId,
      relationshipId: item.relationshipId,
      createdAt: item.createdAt,
      companyId: item.companyId,
      companyName: item.companyName,
    }));
    // The page's own count, as the graph can show it, when that is the total used.
    return toConnection(scope, items, start, total, page.totalKnown && page.total === total ? page.totalCount : total);
  },
};

export const PartnerRelationship: PartnerRelationshipResolvers = {
  id: (r) => mintId('PartnerRelationship', r.partnerId, r.relationshipId, r.companyId),
  relationshipId: (r) => r.relationshipId,
  createdAt: (r) => r.createdAt,
  partner: (r) => ({ partnerId: r.partnerId }),
  company: (r) => ({ companyId: r.companyId, name: r.companyName }),
};
