import type { GraphQLResolveInfo } from 'graphql';
import { isInvalid } from '../domain/checked.js';
import { badUserInput, notFound } from '../errors.js';
import type { GatewayContext } from '../graph/context.js';
import { decodeId, type NodeTypeName } from '../graph/ids.js';
import type { CompanyModel, OrganizationRelationshipModel, PartnerModel, PartnerRelationshipModel } from '../graph/models.js';
import type { Organization, PartnerCompanyRelationship } from '../domain/types.js';
import { loadCompany } from './company.js';
import { loadPartner } from './partner.js';
import { IQMETRIX_MAX_TOP } from '../upstreams/iqmetrix/definition.js';

// Relay's `node(id)`: any id this server issued fetches its object again, through the same
// loaders as every other field, so `nodes` over 50 ids batches like 50 fields would.

export const MAX_NODES = 100;

type Tagged<T, N extends NodeTypeName> = T & { __typename: N };
export type NodeModel =
  | Tagged<PartnerModel, 'Partner'>
  | Tagged<CompanyModel, 'Company'>
  | Tagged<Organization, 'Organization'>
  | Tagged<PartnerRelationshipModel, 'PartnerRelationship'>
  | Tagged<OrganizationRelationshipModel, 'OrganizationRelationship'>;

export function nodeTypeOf(model: unknown): NodeTypeName {
  return (model as { __typename: NodeTypeName }).__typename;
}

export async function resolveNode(id: string, context: GatewayContext, info: GraphQLResolveInfo): Promise<NodeModel> {
  const { type, keys } = decodeId(id);
  const { loaders } = context;
  switch (type) {
    case 'Partner':
      return { __typename: type, ...(await loadPartner(keys[0]!, context, info)) };
    case 'Company':
      return { __typename: type, ...(await loadCompany(keys[0]!, context, info)) };
    case 'Organization':
      return { __typename: type, ...(await loaders.organization.load(keys[0]!)) };
    case 'PartnerRelationship':
      return { __typename: type, ...(await findPartnerRelationship(keys as [number, number, number], context)) };
    case 'OrganizationRelationship': {
      const [sourceId, targetId] = keys as [number, number];
      const relationship = (await loaders.organizationRelationships.load(sourceId)).find((r) => !isInvalid(r.target) && r.target.organizationId === targetId);
      if (!relationship) throw notFound(`Organization ${sourceId} has no relationship to organization ${targetId}.`);
      return { __typename: type, ...relationship, sourceId };
    }
    default:
      throw unreachable(type);
  }
}

/** The longest partner list `node(id)` searches, in pages of 100. */
const MAX_SEARCH_PAGES = 20;
/** Pages fetched at once after the first, while searching. */
const SEARCH_BATCH = 4;

/**
 * No endpoint returns one partner relationship, so `node(id)` reads the partner's list in
 * pages of 100, stopping at the page that holds it: the first page alone, then a few pages
 * at a time. The pages go through the page loader, so `nodes` over many relationships of one
 * partner reads each page once, however many ids point into it.
 */
async function findPartnerRelationship([partnerId, relationshipId, companyId]: [number, number, number], { loaders }: GatewayContext): Promise<PartnerRelationshipModel> {
  const page = (index: number) => loaders.partnerRelationshipPage.load({ partnerId, skip: index * IQMETRIX_MAX_TOP, top: IQMETRIX_MAX_TOP });
  const matches = (item: PartnerCompanyRelationship) => item.relationshipId === relationshipId && item.companyId === companyId;
  const first = await page(0);
  const found = first.items.find(matches);
  if (found) return { ...found, partnerId };
  // Without a count (the old bare-array answer) the list goes on while pages come back full.
  let more = first.items.length === IQMETRIX_MAX_TOP;
  for (let next = 1; more && next < MAX_SEARCH_PAGES; next += SEARCH_BATCH) {
    const indexes = Array.from({ length: Math.min(SEARCH_BATCH, MAX_SEARCH_PAGES - next) }, (_, i) => next + i).filter(
      (index) => !first.totalKnown || index * IQMETRIX_MAX_TOP < first.total,
    );
    const pages = await Promise.all(indexes.map(page));
    for (const { items } of pages) {
      const hit = items.find(matches);
      if (hit) return { ...hit, partnerId };
    }
    more = pages.length === indexes.length && pages.length > 0 && pages.every((p) => p.items.length === IQMETRIX_MAX_TOP);
  }
  if (more) {
    throw notFound(`Relationship ${relationshipId} is not among the first ${MAX_SEARCH_PAGES * IQMETRIX_MAX_TOP} of partner ${partnerId}'s relationships, as far as this server searches.`);
  }
  throw notFound(`Partner ${partnerId} has no relationship ${relationshipId} with company ${companyId}.`);
}

export function checkNodeIds(ids: readonly string[]): void {
  if (ids.length > MAX_NODES) throw badUserInput(`\`nodes\` takes at most ${MAX_NODES} ids (got ${ids.length}).`, { argumentName: 'ids' });
}

export function unreachable(value: never): Error {
  return new Error(`unreachable case: ${JSON.stringify(value)}`);
}
