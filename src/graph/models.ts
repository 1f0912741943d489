import type { Checked } from '../domain/checked.js';
import type { Connection } from './connection.js';
import type { Company, Organization, OrganizationRelationship, PartnerCompanyRelationship } from '../domain/types.js';

// What each object type's resolvers receive as their parent (codegen mappers). These carry
// just enough to answer the type's fields, plus what an edge already knew, so that no field
// costs an upstream call it does not need.

export interface PartnerModel {
  partnerId: number;
}

export interface PartnerRelationshipModel extends PartnerCompanyRelationship {
  partnerId: number;
}

/**
 * A company either loaded whole, or known from a partner relationship by id and name only:
 * `name` then needs no upstream call, every other field loads the company. Known through a
 * relationship, the id and name are upstream values that may be unreadable (Checked): then
 * only the fields that need them fail, and `name` still answers when the id is bad.
 */
export type CompanyModel =
  | { companyId: number; name: Checked<string>; record: Company }
  | { companyId: Checked<number>; name?: Checked<string>; record?: undefined };

/**
 * A relationship knows its source's id; the source organization itself is at hand when the
 * relationship was reached through the source's list, and loaded only when it was not
 * (`node(id)` of a relationship).
 */
export interface OrganizationRelationshipModel extends OrganizationRelationship {
  sourceId: number;
  source?: Organization | undefined;
}

/** Connections as `toConnection` builds them: `totalCount` may carry an unreadable upstream count. */
export type PartnerRelationshipConnectionModel = Connection<PartnerRelationshipModel>;
export type OrganizationRelationshipConnectionModel = Connection<OrganizationRelationshipModel>;
