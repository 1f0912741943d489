// Every Inspectorio path the gateway calls, relative to INSPECTORIO_URL (no version in it).
//
// INFERRED: the public docs describe the bodies but not all of the paths. Everything
// marked inferred below is our best reading; this file is the one place to change
// when a real deployment shows otherwise (the simulator routes on these too).

export const inspectorioPaths = {
  /** INFERRED path (the body, RelationshipListResponseV2, is documented). Whole list, no paging. */
  organizationRelationships: (organizationId: number) => `/v2/organizations/${organizationId}/relationships`,
  /** INFERRED path. */
  organization: (organizationId: number) => `/v1/organizations/${organizationId}`,
  /** INFERRED filter: comma-separated externalIds, at most INSPECTORIO_MAX_EXTERNAL_IDS of them. */
  organizationsByExternalId: (externalIds: readonly string[], offset = 0, limit = INSPECTORIO_MAX_LIMIT) =>
    `/v1/organizations?externalId=${externalIds.map(encodeURIComponent).join(',')}&offset=${offset}&limit=${limit}`,
  /** INFERRED path. */
  relationshipTypes: () => `/v1/relationship-types`,
  /** INFERRED path (the body is documented). */
  contactRoles: () => `/v1/contact-roles`,
} as const;

/** List endpoints take `limit` 1–100. */
export const INSPECTORIO_MAX_LIMIT = 100;
/** INFERRED: the externalId filter takes at most 100 values. */
export const INSPECTORIO_MAX_EXTERNAL_IDS = 100;
/** Documented: clients may keep up to 20 requests in flight. */
export const INSPECTORIO_MAX_IN_FLIGHT = 20;
