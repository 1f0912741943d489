import { callerHeader, defineUpstream } from '../definition.js';
import { toOrganization, toOrganizationListPage, toOrganizationRelationships, type OrganizationListPage } from './mapping.js';
import { organizationById, organizationPageRecords } from './records.js';
import { INSPECTORIO_NAME } from './name.js';
import { toReferenceList } from './reference-lists.js';

// Inspectorio Supplier Management (shared/upstreams/inspectorio-sm.md): every route the
// gateway calls or the simulator serves. Paths are relative to INSPECTORIO_URL (no version
// in it).
//
// INFERRED: the public docs describe the bodies but not all of the paths. Everything marked
// INFERRED below is our best reading of the contract; this file is the one place to change
// when a real deployment shows otherwise (the simulator routes on these same builders).

/** List endpoints take `limit` 1–100. */
export const INSPECTORIO_MAX_LIMIT = 100;
/** INFERRED: the externalId filter takes at most 100 values (see ./external-ids.ts). */
export const INSPECTORIO_MAX_EXTERNAL_IDS = 100;
/** Documented: clients may keep up to 20 requests in flight. */
export const INSPECTORIO_MAX_IN_FLIGHT = 20;

export const INSPECTORIO = defineUpstream({
  name: INSPECTORIO_NAME,
  settings: { url: 'INSPECTORIO_URL', maxInFlight: 'INSPECTORIO_MAX_IN_FLIGHT', credentials: ['INSPECTORIO_API_KEY'] },
  // Inspectorio's documented limit: more is not ours to choose.
  maxInFlight: { default: INSPECTORIO_MAX_IN_FLIGHT, max: INSPECTORIO_MAX_IN_FLIGHT },
  // Routes carry their own version (/v1, /v2), so the base URL must not.
  checkUrl: (url) => (/\/v\d+\/?$/.test(url.pathname) ? 'must not include a version: /v1 and /v2 paths are appended' : undefined),
  credential: {
    header: 'apikey',
    value: (key) => key,
    // Pass-through: the caller's own key, in a header of ours (its Authorization carries the iQmetrix token).
    fromCaller: (headers) => callerHeader(headers, 'x-inspectorio-api-key'),
    howToSend: 'send `X-Inspectorio-Api-Key: <key>`',
  },
  routes: {
    /** INFERRED path (the body, RelationshipListResponseV2, is documented). Whole list, no paging. */
    organizationRelationships: {
      name: 'GET /v2/organizations/{id}/relationships',
      method: 'GET',
      path: (organizationId: number) => `/v2/organizations/${organizationId}/relationships`,
      map: (body: unknown) => toOrganizationRelationships(body),
      cache: { ttlSeconds: 30, env: 'CACHE_TTL_ORGANIZATION_RELATIONSHIPS' },
    },
    /** INFERRED path. */
    organization: {
      name: 'GET /v1/organizations/{id}',
      method: 'GET',
      path: (organizationId: number) => `/v1/organizations/${organizationId}`,
      map: (body: unknown) => toOrganization(body),
      cache: { ttlSeconds: 60, env: 'CACHE_TTL_ORGANIZATION' },
      // Kept as a record: an organization that arrived in a batch by externalId answers it.
      record: (organizationId: number) => organizationById(organizationId),
    },
    /** INFERRED filter: comma-separated externalIds, at most INSPECTORIO_MAX_EXTERNAL_IDS of them. */
    organizations: {
      name: 'GET /v1/organizations',
      method: 'GET',
      path: (externalIds: readonly string[], offset = 0, limit = INSPECTORIO_MAX_LIMIT) =>
        `/v1/organizations?externalId=${externalIds.map(encodeURIComponent).join(',')}&offset=${offset}&limit=${limit}`,
      map: (body: unknown) => toOrganizationListPage(body),
      cache: { ttlSeconds: 60, env: 'CACHE_TTL_ORGANIZATION' },
      // Each organization by id and each externalId asked for, for later single reads and batches.
      records: (page: OrganizationListPage, externalIds: readonly string[], offset = 0) => organizationPageRecords(page, externalIds, offset),
    },
    /** INFERRED path. The graph does not read it yet; the simulator serves it. */
    relationshipTypes: {
      name: 'GET /v1/relationship-types',
      method: 'GET',
      path: () => `/v1/relationship-types`,
      map: (body: unknown) => toReferenceList(body),
      cache: { ttlSeconds: 600, env: 'CACHE_TTL_REFERENCE_LISTS' },
    },
    /** INFERRED path (the body is documented). The graph does not read it yet; the simulator serves it. */
    contactRoles: {
      name: 'GET /v1/contact-roles',
      method: 'GET',
      path: () => `/v1/contact-roles`,
      map: (body: unknown) => toReferenceList(body),
      cache: { ttlSeconds: 600, env: 'CACHE_TTL_REFERENCE_LISTS' },
    },
  },
});

export type InspectorioDefinition = typeof INSPECTORIO;
