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
      return { __typename: type, ...(await loadCompany(keys[0]!, context)) };
    case 'Organization':
      return { __typename: type, ...(await loaders.organization.load(keys[0]!)) };
    case 'PartnerRelationship':
      return { __typename: type, ...(await findPartnerRelationship(keys as [number, number, number, number], context)) };
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

/**
 * No endpoint returns one partner relationship. The id remembers where in the partner's list
 * it was; if it is still there, that is one request for one item. If the list has shifted,
 * the list is searched a full page at a time.
 */
async function findPartnerRelationship(
  [partnerId, relationshipId, companyId, position]: [number, number, number, number],
  { loaders }: GatewayContext,
): Promise<PartnerRelationshipModel> {
  const hinted = await loaders.partnerRelationshipPage.load({ partnerId, skip: position, top: 1 });
  const match = (item: { relationshipId: number; companyId: number }) => item.relationshipId === relationshipId && item.companyId === companyId;
  if (hinted.items[0] && match(hinted.items[0])) return { ...hinted.items[0], partnerId, position };
  for (let skip = 0; skip < hinted.total; skip += IQMETRIX_MAX_TOP) {
    const page = await loaders.partnerRelationshipPage.load({ partnerId, skip, top: IQMETRIX_MAX_TOP });
    const index = page.items.findIndex(match);
    if (index >= 0) return { ...page.items[index]!, partnerId, position: skip + index };
    if (page.items.length < IQMETRIX_MAX_TOP) break;
  }
  throw notFound(`Partner ${partnerId} has no relationship ${relationshipId} any more.`);
}

export function checkNodeIds(ids: readonly string[]): void {
  if (ids.length > MAX_NODES) throw badUserInput(`\`nodes\` takes at most ${MAX_NODES} ids (got ${ids.length}).`, { argumentName: 'ids' });
}

export function unreachable(value: never): Error {
  return new Error(`unreachable case: ${JSON.stringify(value)}`);
}
