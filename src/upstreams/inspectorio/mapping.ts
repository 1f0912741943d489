import { UpstreamShapeError } from '../../errors.js';
import type { Contact, Organization, OrganizationRelationship, OrganizationType, RelationshipPermission } from '../../domain/types.js';
import { isRecord, optionalString, requireInt, requireString } from '../shape.js';

// Inspectorio wire → domain.

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

export function toOrganizationType(code: unknown): OrganizationType {
  const type = typeof code === 'string' ? ORGANIZATION_TYPES[code] : undefined;
  if (!type) throw new UpstreamShapeError(`unknown organization type ${JSON.stringify(code)}`);
  return type;
}

/**
 * A permission this gateway does not know yet is left out rather than failing the whole
 * relationship list: the list stays readable when Inspectorio adds one.
 */
export function toPermissions(values: unknown): RelationshipPermission[] {
  if (!Array.isArray(values)) return [];
  const permissions: RelationshipPermission[] = [];
  for (const value of values) {
    const permission = typeof value === 'string' ? PERMISSIONS[value] : undefined;
    if (permission && !permissions.includes(permission)) permissions.push(permission);
  }
  return permissions;
}

/** A RelationshipOrganization, or the organization endpoint's body (a superset). */
export function toOrganization(body: unknown): Organization {
  if (!isRecord(body)) throw new UpstreamShapeError('organization is not an object');
  return {
    organizationId: requireInt(body, 'id'),
    externalId: optionalString(body, 'externalId'),
    type: toOrganizationType(body.type),
    name: requireString(body, 'name'),
    inspId: optionalString(body, 'inspId'),
  };
}

function toContact(body: unknown): Contact {
  if (!isRecord(body)) throw new UpstreamShapeError('contact is not an object');
  return {
    firstName: optionalString(body, 'firstName'),
    lastName: optionalString(body, 'lastName'),
    email: optionalString(body, 'email'),
    phoneNumber: optionalString(body, 'phoneNumber'),
    role: optionalString(body, 'role'),
  };
}

export function toOrganizationRelationship(body: unknown): OrganizationRelationship {
  if (!isRecord(body)) throw new UpstreamShapeError('relationship is not an object');
  // The older v1 shape had a single `type` string where v2 has `types`.
  const types = Array.isArray(body.types) ? body.types : typeof body.type === 'string' ? [body.type] : [];
  return {
    target: toOrganization(body.target),
    leadSupplier: body.leadSupplier === null || body.leadSupplier === undefined ? null : toOrganization(body.leadSupplier),
    types: types.filter((t): t is string => typeof t === 'string'),
    customFields: isRecord(body.customFields) ? body.customFields : {},
    contacts: Array.isArray(body.contacts) ? body.contacts.map(toContact) : [],
    permissions: toPermissions(body.permissions),
  };
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
  const organizations = body.data.map(toOrganization);
  const total = typeof body.total === 'number' ? body.total : organizations.length;
  return { organizations, total };
}
