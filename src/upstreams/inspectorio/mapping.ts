import { invalidValue, reportUnknownValue, type Checked } from '../../domain/checked.js';
import { UpstreamShapeError } from '../../errors.js';
import type { Contact, Organization, OrganizationRelationship, OrganizationType, RelationshipPermission } from '../../domain/types.js';
import { isRecord } from '../shape.js';
import { INSPECTORIO_NAME } from './name.js';
import { readId, readJsonObject, readObject, readOptionalString, readString } from '../values.js';

// Inspectorio wire → domain. A body without the documented structure (no `data` array, an
// item that is no object) is an UpstreamShapeError: the whole call fails. A single value the
// graph cannot represent is carried as an InvalidUpstreamValue (src/domain/checked.ts) and
// fails only the fields that show it, so one odd organization in a relationship list or in an
// externalId batch leaves every other one standing. Enum-like values the contract may grow
// are read forward-compatibly: an organization type letter not listed is UNKNOWN, a
// permission not listed is left out (both documented in schema/inspectorio.graphql).

const UPSTREAM = INSPECTORIO_NAME;

const ORGANIZATION_TYPES: Record<string, OrganizationType> = {
  F: 'FACTORY',
  S: 'SUPPLIER',
  R: 'RETAILER',
  B: 'BRAND',
  I: 'INSPECTION_AGENCY',
};

const PERMISSIONS: Record<string, RelationshipPermission> = {
  read: 'READ',
  edit: 'EDIT',
  full: 'FULL',
  share: 'SHARE',
  'relationship-read': 'RELATIONSHIP_READ',
  'relationship-edit': 'RELATIONSHIP_EDIT',
  'request-onboard': 'REQUEST_ONBOARD',
};

/**
 * A letter the contract lists maps to its type. A letter it does not list (Inspectorio added a
 * kind of organization) is UNKNOWN, not an error: the organization, and every list and batch
 * it is in, stays readable, and `type` says honestly that this gateway does not know the kind.
 * Anything but a string is a broken value: that `type` field errors.
 */
export function toOrganizationType(code: unknown, field = 'type'): Checked<OrganizationType> {
  if (typeof code !== 'string' || code.length === 0) return invalidValue(UPSTREAM, field, code, code === undefined || code === null ? 'is missing' : 'is not a type letter');
  const type = ORGANIZATION_TYPES[code];
  if (type) return type;
  reportUnknownValue(UPSTREAM, field, code, 'UNKNOWN');
  return 'UNKNOWN';
}

/**
 * A permission this gateway does not know yet is left out rather than failing the whole
 * relationship list: the list stays readable when Inspectorio adds one, and a caller is never
 * told of a permission it cannot interpret (leaving one out grants nothing).
 */
export function toPermissions(values: unknown): Checked<RelationshipPermission[]> {
  if (values === null || values === undefined) return [];
  if (!Array.isArray(values)) return invalidValue(UPSTREAM, 'permissions', values, 'is not a list');
  const permissions: RelationshipPermission[] = [];
  for (const value of values) {
    const permission = typeof value === 'string' ? PERMISSIONS[value] : undefined;
    if (!permission) reportUnknownValue(UPSTREAM, 'permissions[]', value, '(left out)');
    else if (!permissions.includes(permission)) permissions.push(permission);
  }
  return permissions;
}

/** The organization endpoint's body, or one item of the organization list (a RelationshipOrganization or a superset). */
export function toOrganization(body: unknown): Organization {
  if (!isRecord(body)) throw new UpstreamShapeError('organization is not an object');
  return toOrganizationRecord(body, '');
}

/** `at` prefixes the field names in messages (`target.`, `leadSupplier.`). */
function toOrganizationRecord(body: Record<string, unknown>, at: string): Organization {
  return {
    organizationId: readId(UPSTREAM, body, 'id', `${at}id`),
    externalId: readOptionalString(UPSTREAM, body, 'externalId', `${at}externalId`),
    type: toOrganizationType(body.type, `${at}type`),
    name: readString(UPSTREAM, body, 'name', `${at}name`),
    inspId: readOptionalString(UPSTREAM, body, 'inspId', `${at}inspId`),
  };
}

function toContact(body: Record<string, unknown>): Contact {
  return {
    firstName: readOptionalString(UPSTREAM, body, 'firstName', 'contacts[].firstName'),
    lastName: readOptionalString(UPSTREAM, body, 'lastName', 'contacts[].lastName'),
    email: readOptionalString(UPSTREAM, body, 'email', 'contacts[].email'),
    phoneNumber: readOptionalString(UPSTREAM, body, 'phoneNumber', 'contacts[].phoneNumber'),
    role: readOptionalString(UPSTREAM, body, 'role', 'contacts[].role'),
  };
}

export function toOrganizationRelationship(body: unknown): OrganizationRelationship {
  if (!isRecord(body)) throw new UpstreamShapeError('relationship is not an object');
  // The older v1 shape had a single `type` string where v2 has `types`.
  const types: unknown[] = Array.isArray(body.types) ? body.types : typeof body.type === 'string' ? [body.type] : [];
  return {
    target: readObject(UPSTREAM, body.target, 'target', (target) => toOrganizationRecord(target, 'target.')),
    leadSupplier:
      body.leadSupplier === null || body.leadSupplier === undefined
        ? null
        : readObject(UPSTREAM, body.leadSupplier, 'leadSupplier', (lead) => toOrganizationRecord(lead, 'leadSupplier.')),
    types: types.map((t) => (typeof t === 'string' ? t : invalidValue(UPSTREAM, 'types[]', t, 'is not a string'))),
    customFields: readJsonObject(UPSTREAM, body, 'customFields', {}),
    contacts: readList(body.contacts, 'contacts', (c) => readObject(UPSTREAM, c, 'contacts[]', toContact)),
    permissions: toPermissions(body.permissions),
  };
}

/** A list member: empty when absent or null, an InvalidUpstreamValue when it is not a list. */
function readList<T>(value: unknown, field: string, item: (value: unknown) => T): Checked<T[]> {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value.map(item) : invalidValue(UPSTREAM, field, value, 'is not a list');
}

export function toOrganizationRelationships(body: unknown): OrganizationRelationship[] {
  if (!isRecord(body) || !Array.isArray(body.data)) throw new UpstreamShapeError('relationship list has no `data` array');
  return body.data.map(toOrganizationRelationship);
}

export interface OrganizationListPage {
  organizations: Organization[];
  total: number;
}

export function toOrganizationListPage(body: unknown): OrganizationListPage {
  if (!isRecord(body) || !Array.isArray(body.data)) throw new UpstreamShapeError('organization list has no `data` array');
  const organizations = body.data.map((item) => toOrganization(item));
  const total = typeof body.total === 'number' ? body.total : organizations.length;
  return { organizations, total };
}
