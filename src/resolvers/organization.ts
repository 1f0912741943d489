import { createHash } from 'node:crypto';
import { isInvalid, valid } from '../domain/checked.js';
import { ErrorCode } from '../errors.js';
import type { OrganizationRelationship as RelationshipRecord } from '../domain/types.js';
import { planWindow, sliceConnection } from '../graph/connection.js';
import { mintId } from '../graph/ids.js';
import type { OrganizationRelationshipModel } from '../graph/models.js';
import type { OrganizationRelationshipFilter, OrganizationRelationshipResolvers, OrganizationResolvers } from '../generated/graphql.js';
import { referenceId } from './reference.js';

/** A canonical spelling of the filter, so that equal filters give interchangeable cursors. */
function filterKey(filter: OrganizationRelationshipFilter | null | undefined): string {
  const types = [...new Set(filter?.types ?? [])].sort();
  const targetTypes = [...new Set(filter?.targetTypes ?? [])].sort();
  if (!filter?.types && !filter?.targetTypes) return 'all';
  return createHash('sha1').update(JSON.stringify([filter?.types ? types : null, filter?.targetTypes ? targetTypes : null])).digest('base64url').slice(0, 10);
}

function matches(filter: OrganizationRelationshipFilter | null | undefined): (r: RelationshipRecord) => boolean {
  const types = filter?.types ? new Set(filter.types) : null;
  const targetTypes = filter?.targetTypes ? new Set<unknown>(filter.targetTypes) : null;
  // An unreadable value matches nothing: a relationship whose target type cannot be read is
  // not among those of any `targetTypes` (UNKNOWN, a letter not yet known, is a readable one).
  return (r) => (!types || r.types.some((t) => types.has(t as string))) && (!targetTypes || (!isInvalid(r.target) && targetTypes.has(r.target.type)));
}

/** Company ids are decimal integers; an externalId of any other form links to no company. */
const COMPANY_ID = /^[1-9]\d{0,14}$/;

export const Organization: OrganizationResolvers = {
  // A copy: @apollo/subgraph tags what this returns with `__typename`, and the record itself is
  // the loader's cached value, shared with every other field of the request.
  __resolveReference: async (reference, { loaders }) => ({ ...(await loaders.organization.load(referenceId(reference, 'organizationId'))) }),
  id: (o) => mintId('Organization', o.organizationId),
  organizationId: (o) => o.organizationId,
  externalId: (o) => o.externalId,
  type: (o) => valid(o.type),
  name: (o) => o.name,
  inspId: (o) => o.inspId,
  relationships: async (org, { filter, ...args }, { loaders }) => {
    const organizationId = valid(org.organizationId);
    const scope = `o${organizationId}:${filterKey(filter)}`;
    // Validate before loading, so a bad argument costs no upstream call.
    planWindow(args, scope);
    const all = await loaders.organizationRelationships.load(organizationId);
    const list = filter ? all.filter(matches(filter)) : all;
    const page = sliceConnection(args, scope, list);
    const nodes: OrganizationRelationshipModel[] = page.nodes.map((r) => ({ ...r, sourceId: organizationId, source: org }));
    return { ...page, nodes, edges: page.edges.map((edge, i) => ({ cursor: edge.cursor, node: nodes[i]! })) };
  },
  company: async (org, _, { loaders }) => {
    const externalId = valid(org.externalId);
    if (externalId === null || !COMPANY_ID.test(externalId)) return null;
    try {
      const companyId = Number(externalId);
      const record = await loaders.company.load(companyId);
      return { companyId, name: record.name, record };
    } catch (error) {
      // An externalId that looks like a CompanyId but names no company is simply no link.
      if ((error as { extensions?: { code?: unknown } }).extensions?.code === ErrorCode.NOT_FOUND) return null;
      throw error;
    }
  },
};

export const OrganizationRelationship: OrganizationRelationshipResolvers = {
  id: (r) => mintId('OrganizationRelationship', r.sourceId, isInvalid(r.target) ? r.target : r.target.organizationId),
  source: (r, _, { loaders }) => r.source ?? loaders.organization.load(r.sourceId),
  target: (r) => r.target,
  leadSupplier: (r) => r.leadSupplier,
  types: (r) => r.types,
  customFields: (r) => r.customFields,
  contacts: (r) => valid(r.contacts),
  permissions: (r) => valid(r.permissions),
};
