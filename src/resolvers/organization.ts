import { createHash } from 'node:crypto';
import { invalidValue, isInvalid, valid } from '../domain/checked.js';
import { ErrorCode } from '../errors.js';
import type { OrganizationRelationship as RelationshipRecord } from '../domain/types.js';
import { planWindow, sliceConnection } from '../graph/connection.js';
import { isIdKey, mintId } from '../graph/ids.js';
import type { OrganizationRelationshipModel } from '../graph/models.js';
import type { OrganizationRelationshipFilter, OrganizationRelationshipResolvers, OrganizationResolvers } from '../generated/graphql.js';
import { INSPECTORIO_NAME } from '../upstreams/inspectorio/name.js';
import { referenceId } from './reference.js';

/** filterKey's answers by the filter's JSON: the same few filters come back on every request (issue 12). */
const filterKeys = new Map<string, string>();

/** A canonical spelling of the filter, so that equal filters give interchangeable cursors. */
function filterKey(filter: OrganizationRelationshipFilter | null | undefined): string {
  if (!filter?.types && !filter?.targetTypes) return 'all';
  const json = JSON.stringify([filter.types ?? null, filter.targetTypes ?? null]);
  let key = filterKeys.get(json);
  if (key === undefined) {
    key = computeFilterKey(filter);
    // Filters come from callers: a bounded memo, not a growing one.
    if (filterKeys.size >= 1000) filterKeys.clear();
    filterKeys.set(json, key);
  }
  return key;
}

function computeFilterKey(filter: OrganizationRelationshipFilter | null | undefined): string {
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

/**
 * `all` filtered, remembered per list: a list the read cache (or a shared read) hands to many
 * operations is filtered once per filter, not once per operation and organization.
 */
const filteredLists = new WeakMap<readonly RelationshipRecord[], Map<string, RelationshipRecord[]>>();
function filtered(all: readonly RelationshipRecord[], filter: OrganizationRelationshipFilter, scope: string): RelationshipRecord[] {
  let byFilter = filteredLists.get(all);
  if (!byFilter) filteredLists.set(all, (byFilter = new Map()));
  const key = scope.slice(scope.indexOf(':') + 1);
  let list = byFilter.get(key);
  if (!list) byFilter.set(key, (list = all.filter(matches(filter))));
  return list;
}

/** Company ids are decimal integers; an externalId of any other form links to no company. */
const COMPANY_ID = /^[1-9]\d*$/;

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
    const list = filter ? filtered(all, filter, scope) : all;
    return sliceConnection(args, scope, list, (r): OrganizationRelationshipModel => ({ ...r, sourceId: organizationId, source: org }));
  },
  company: async (org, _, { loaders }) => {
    const externalId = valid(org.externalId);
    if (externalId === null || !COMPANY_ID.test(externalId)) return null;
    const companyId = Number(externalId);
    // An upstream value used as another upstream's key passes the rule of every key (isIdKey):
    // a CompanyId beyond GraphQL Int could be asked of iQmetrix, but the company it returned
    // could not show its own companyId nor be given an id. So this field fails, nothing is sent.
    if (!isIdKey(companyId)) throw invalidValue(INSPECTORIO_NAME, 'externalId', externalId, 'names a CompanyId that is not a positive 32-bit integer');
    try {
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
