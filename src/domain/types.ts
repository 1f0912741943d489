import type { Checked } from './checked.js';

// The domain as the gateway understands it, independent of both the wire formats
// (src/upstreams/*/wire.ts) and the GraphQL schema. Upstream clients map wire → these.
// A `Checked<T>` member holds either the value or, when the upstream sent one the graph
// cannot represent, the error that the fields showing it answer with (src/domain/checked.ts).

/** `UNKNOWN`: a type letter the gateway does not know yet (forward-compatible; see schema/inspectorio.graphql). */
export type OrganizationType = 'FACTORY' | 'SUPPLIER' | 'RETAILER' | 'BRAND' | 'INSPECTION_AGENCY' | 'UNKNOWN';

export type RelationshipPermission =
  | 'READ'
  | 'EDIT'
  | 'FULL'
  | 'SHARE'
  | 'RELATIONSHIP_READ'
  | 'RELATIONSHIP_EDIT'
  | 'REQUEST_ONBOARD';

export interface Asset {
  id: Checked<string>;
  name: Checked<string | null>;
  href: Checked<string | null>;
  mimeType: Checked<string | null>;
  width: Checked<number | null>;
  height: Checked<number | null>;
}

export interface Company {
  /** The body's `Id`. Models use the id the company was asked for where they have it. */
  companyId: Checked<number>;
  name: Checked<string>;
  displayName: Checked<string | null>;
  description: Checked<string | null>;
  clientEntityId: Checked<string | null>;
  /** ISO-8601 UTC, as the upstream wrote it (3 or 7 fractional digits). */
  createdAt: Checked<string | null>;
  lastModifiedAt: Checked<string | null>;
  attributes: Checked<Record<string, unknown> | null>;
  logo: Checked<Asset> | null;
}

/** One entry of a partner's company list. */
export interface PartnerCompanyRelationship {
  relationshipId: Checked<number>;
  createdAt: Checked<string>;
  companyId: Checked<number>;
  companyName: Checked<string>;
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
  /**
   * `total` as the graph shows it (`totalCount`): an error when the upstream's count is beyond
   * what a GraphQL Int holds. Paging still uses `total`.
   */
  totalCount: Checked<number>;
}

export interface Organization {
  organizationId: Checked<number>;
  externalId: Checked<string | null>;
  type: Checked<OrganizationType>;
  name: Checked<string>;
  inspId: Checked<string | null>;
}

export interface Contact {
  firstName: Checked<string | null>;
  lastName: Checked<string | null>;
  email: Checked<string | null>;
  phoneNumber: Checked<string | null>;
  role: Checked<string | null>;
}

/** One relationship of an organization's list; the source is the organization the list belongs to. */
export interface OrganizationRelationship {
  target: Checked<Organization>;
  leadSupplier: Checked<Organization> | null;
  types: Checked<string>[];
  customFields: Checked<Record<string, unknown>>;
  contacts: Checked<Checked<Contact>[]>;
  /** Known permissions only: one the gateway does not know yet is left out (schema/inspectorio.graphql). */
  permissions: Checked<RelationshipPermission[]>;
}
