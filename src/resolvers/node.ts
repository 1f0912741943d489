import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput, notFound } from '../errors.js';
import type { GatewayContext } from '../graph/context.js';
import { decodeId, type NodeTypeName } from '../graph/ids.js';
import type { CompanyModel, OrganizationRelationshipModel, PartnerModel, PartnerRelationshipModel } from '../graph/models.js';
import type { Organization } from '../domain/types.js';
import { loadCompany } from './company.js';
import { loadPartner } from './partner.js';
import { IQMETRIX_MAX_TOP } from '../upstreams/iqmetrix/paths.js';

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
      const relationship = (await loaders.organizationRelationships.load(sourceId)).find((r) => r.target.organizationId === targetId);
      if (!relationship) throw notFound(`Organization ${sourceId} has no relationship to organization ${targetId}.`);
      return { __typename: type, ...relationship, sourceId };
    }
    default:
      throw unreachable(type);
  }
}

/** The longest partner list `node(id)` searches, in pages of 100. */
const MAX_SEARCH_PAGES = 20;

/**
 * No endpoint returns one partner relationship, so `node(id)` reads the partner's list in
 * pages of 100: the first page tells the length, the rest are fetched at once. The pages go
 * through the page loader, so `nodes` over many relationships of one partner reads each
 * page once, however many ids point into it.
 */
async function findPartnerRelationship([partnerId, relationshipId, companyId]: [number, number, number], { loaders }: GatewayContext): Promise<PartnerRelationshipModel> {
  const page = (skip: number) => loaders.partnerRelationshipPage.load({ partnerId, skip, top: IQMETRIX_MAX_TOP });
  const first = await page(0);
  const pageCount = Math.min(Math.ceil(first.total / IQMETRIX_MAX_TOP), MAX_SEARCH_PAGES);
  const rest = await Promise.all(Array.from({ length: Math.max(0, pageCount - 1) }, (_, i) => page((i + 1) * IQMETRIX_MAX_TOP)));
  for (const { items } of [first, ...rest]) {
    const found = items.find((item) => item.relationshipId === relationshipId && item.companyId === companyId);
    if (found) return { ...found, partnerId };
  }
  throw notFound(`Partner ${partnerId} has no relationship ${relationshipId} with company ${companyId}.`);
}

export function checkNodeIds(ids: readonly string[]): void {
  if (ids.length > MAX_NODES) throw badUserInput(`\`nodes\` takes at most ${MAX_NODES} ids (got ${ids.length}).`, { argumentName: 'ids' });
}

export function unreachable(value: never): Error {
  return new Error(`unreachable case: ${JSON.stringify(value)}`);
}
