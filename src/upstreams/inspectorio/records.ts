import { isInvalid, type InvalidUpstreamValue } from '../../domain/checked.js';
import type { Organization } from '../../domain/types.js';
import type { OrganizationListPage } from './mapping.js';

// The records Inspectorio's answers hold, by name, for the record-level cache (issue 12): an
// organization that arrived in a batch by externalId answers a later read of it by id, and a
// later batch that asks for its externalId again, without a call.

/** The name an organization is kept under by id. */
export function organizationById(organizationId: number): string {
  return `organization ${organizationId}`;
}

/** The name of what an externalId resolves to: an organization, or `null` for none. */
export function organizationByExternalId(externalId: string): string {
  return `organization externalId ${externalId}`;
}

/**
 * If the upstream ever holds two organizations with one externalId, the lowest id wins, so the
 * answer does not depend on the upstream's ordering; one whose id cannot be read never wins.
 */
export function winsExternalId(org: Organization, seen: Organization | undefined): boolean {
  if (!seen) return true;
  if (isInvalid(org.organizationId)) return false;
  return isInvalid(seen.organizationId) || org.organizationId < seen.organizationId;
}

/**
 * The organizations of one answer by externalId, winsExternalId deciding between two with one
 * externalId; and the first externalId that could not be read, if any (such a record might be
 * any of the ids asked for, so a caller answers the ids left unmatched with its error).
 */
export function indexByExternalId(organizations: readonly Organization[]): { byExternalId: Map<string, Organization>; unreadable: InvalidUpstreamValue | undefined } {
  const byExternalId = new Map<string, Organization>();
  let unreadable: InvalidUpstreamValue | undefined;
  for (const org of organizations) {
    if (isInvalid(org.externalId)) unreadable ??= org.externalId;
    else if (org.externalId !== null && winsExternalId(org, byExternalId.get(org.externalId))) byExternalId.set(org.externalId, org);
  }
  return { byExternalId, unreadable };
}

/**
 * The records of one page of `GET /v1/organizations?externalId=…`: every organization by id;
 * and, when the page holds the whole answer (the first page, `total` within it), every
 * externalId asked for, resolved to its organization or to `null` (none has it). A later page
 * says nothing final about an externalId, since an earlier page may hold it.
 */
export function organizationPageRecords(page: OrganizationListPage, externalIds: readonly string[], offset = 0): Array<readonly [string, Organization | null]> {
  const records: Array<readonly [string, Organization | null]> = [];
  for (const org of page.organizations) {
    // Pages with an unreadable value are never kept; this guards a caller that asks anyway.
    if (isInvalid(org.organizationId) || isInvalid(org.externalId)) return [];
    records.push([organizationById(org.organizationId), org]);
  }
  if (offset === 0 && page.total <= page.organizations.length) {
    const { byExternalId } = indexByExternalId(page.organizations);
    for (const id of externalIds) records.push([organizationByExternalId(id), byExternalId.get(id) ?? null]);
  }
  return records;
}
