// The domain as the gateway understands it, independent of both the wire formats
// (src/upstreams/*/wire.ts) and the GraphQL schema. Upstream clients map wire → these.

export type OrganizationType = 'FACTORY' | 'SUPPLIER' | 'RETAILER' | 'BRAND' | 'INSPECTION_AGENCY';

export type RelationshipPermission =
  | 'READ'
  | 'EDIT'
  | 'FULL'
  | 'SHARE'
  | 'RELATIONSHIP_READ'
  | 'RELATIONSHIP_EDIT'
  | 'REQUEST_ONBOARD';

export interface Asset {
  id: string;
  name: string | null;
  href: string | null;
  mimeType: string | null;
  width: number | null;
  height: number | null;
}

export interface Company {
  companyId: number;
  name: string;
  displayName: string | null;
  description: string | null;
  clientEntityId: string | null;
  /** ISO-8601 UTC, as the upstream wrote it (3 or 7 fractional digits). */
  createdAt: string | null;
  lastModifiedAt: string | null;
  attributes: Record<string, unknown> | null;
  logo: Asset | null;
}

/** One entry of a partner's company list. */
export interface PartnerCompanyRelationship {
  relationshipId: number;
  createdAt: string;
  companyId: number;
  companyName: string;
}

/** One page of a partner's company list, starting at `skip`. */
export interface PartnerRelationshipPage {
  skip: number;
  items: PartnerCompanyRelationship[];
  /**
   * How many relationships the partner has in all: the upstream's count. When the upstream
   * gave none (the old bare-array answer), a lower bound: what is known to exist, plus one
   * when the page was full, so that paging forward still works.
   */
  total: number;
  /** False when `total` is that lower bound. */
  totalKnown: boolean;
}

export interface Organization {
  organizationId: number;
  externalId: string | null;
  type: OrganizationType;
  name: string;
  inspId: string | null;
}

export interface Contact {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string | null;
  role: string | null;
}

/** One relationship of an organization's list; the source is the organization the list belongs to. */
export interface OrganizationRelationship {
  target: Organization;
  leadSupplier: Organization | null;
  types: string[];
  customFields: Record<string, unknown>;
  contacts: Contact[];
  permissions: RelationshipPermission[];
}
