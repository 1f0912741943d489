// Wire shapes of the Inspectorio Supplier Management API, as documented in
// shared/upstreams/inspectorio-sm.md. Shared by the gateway's client and the simulator.

/** Organization type letters: Factory, Supplier, Retailer, Brand, Inspection agency. */
export type InspOrganizationTypeCode = 'F' | 'S' | 'R' | 'B' | 'I';

export type InspPermission =
  | 'read'
  | 'edit'
  | 'full'
  | 'share'
  | 'relationship-read'
  | 'relationship-edit'
  | 'request-onboard';

/** `RelationshipOrganization`: the shape of a relationship's `target` and `leadSupplier`. */
export interface InspRelationshipOrganization {
  id: number;
  externalId: string | null;
  type: InspOrganizationTypeCode;
  name: string;
  inspId: string | null;
}

/** `GET /v1/organizations/{id}` (path inferred): the RelationshipOrganization fields plus extras where known. */
export interface InspOrganization extends InspRelationshipOrganization {
  country?: string | null;
  relationshipsCount?: number | null;
}

export interface InspContact {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phoneNumber?: string | null;
  role?: string | null;
}

/** One item of `RelationshipListResponseV2.data`. It has no id of its own: (source org, target.id) is its identity. */
export interface InspRelationship {
  target: InspRelationshipOrganization;
  leadSupplier: InspRelationshipOrganization | null;
  types: string[];
  customFields: Record<string, unknown>;
  contacts: InspContact[];
  permissions: InspPermission[];
}

/** `RelationshipListResponseV2`: the whole list, no paging fields. */
export interface InspRelationshipList {
  data: InspRelationship[];
}

/** The list envelope of paged endpoints (`offset`/`limit`). */
export interface InspPage<T> {
  data: T[];
  limit: number;
  offset: number;
  total: number;
}

export interface InspKeyValue {
  key: string;
  value: string;
}

export interface InspErrorBody {
  errorCode: string;
  message: string;
  errors?: Record<string, string[]>;
}
