import type { Company as CompanyRecord } from '../domain/types.js';
import type { GatewayContext } from '../graph/context.js';
import type { CompanyModel } from '../graph/models.js';
import { valid } from '../domain/checked.js';
import { mintId } from '../graph/ids.js';
import type { CompanyResolvers } from '../generated/graphql.js';
import type { GraphQLResolveInfo } from 'graphql';
import { referenceId } from './reference.js';
import { selectedField } from './selection.js';

/** The whole company: already at hand when it was loaded, else one (deduplicated) load. */
function record(company: CompanyModel, { loaders }: GatewayContext): CompanyRecord | Promise<CompanyRecord> {
  return company.record ?? loaders.company.load(valid(company.companyId));
}

/**
 * A company by id. When the selection also asks for its `organization`, that lookup starts
 * now, beside the company's, rather than after it: the organization is keyed by the company
 * id the caller already gave, so the two calls need not wait for each other. (For an unknown
 * company the lookup is wasted: one batched call, against a round trip saved every time.)
 */
export async function loadCompany(companyId: number, { loaders }: GatewayContext, info?: GraphQLResolveInfo): Promise<CompanyModel> {
  if (info && selectedField(info, 'organization')) {
    // Its outcome is read by the `organization` field, through the same loader key.
    loaders.organizationByExternalId.load(String(companyId)).catch(() => undefined);
  }
  const loaded = await loaders.company.load(companyId);
  return { companyId, name: loaded.name, record: loaded };
}

export const Company: CompanyResolvers = {
  // A federation reference loads the company like `Query.company`: through the per-request
  // loader, so 50 references in one `_entities` cost one request per distinct company.
  __resolveReference: async (reference, context, info) => loadCompany(referenceId(reference, 'companyId'), context, info),
  id: (c) => mintId('Company', c.companyId),
  companyId: (c) => c.companyId,
  // Reached through a partner relationship, the name came with it: no upstream call, and no
  // promise either (this runs for every company of every page).
  name: (c, _, ctx) => c.name ?? Promise.resolve(record(c, ctx)).then((r) => r.name),
  displayName: async (c, _, ctx) => (await record(c, ctx)).displayName,
  description: async (c, _, ctx) => (await record(c, ctx)).description,
  clientEntityId: async (c, _, ctx) => (await record(c, ctx)).clientEntityId,
  createdAt: async (c, _, ctx) => (await record(c, ctx)).createdAt,
  lastModifiedAt: async (c, _, ctx) => (await record(c, ctx)).lastModifiedAt,
  attributes: async (c, _, ctx) => (await record(c, ctx)).attributes,
  logo: async (c, _, ctx) => (await record(c, ctx)).logo,
  // The link rule (shared/upstreams/README.md): the organization whose externalId is the CompanyId.
  organization: (c, _, { loaders }) => loaders.organizationByExternalId.load(String(valid(c.companyId))),
};
