import type { Resolvers } from '../generated/graphql.js';
import { Company } from './company.js';
import { nodeTypeOf } from './node.js';
import { Organization, OrganizationRelationship } from './organization.js';
import { Partner, PartnerRelationship } from './partner.js';
import { Query } from './query.js';
import { DateTime, JSONObject } from './scalars.js';

export const resolvers: Resolvers = {
  Query,
  Partner,
  PartnerRelationship,
  Company,
  Organization,
  OrganizationRelationship,
  DateTime,
  JSONObject,
  // Only `node`/`nodes` return these interfaces, and they tag what they return.
  Node: { __resolveType: (model) => nodeTypeOf(model) },
  Relationship: { __resolveType: (model) => nodeTypeOf(model) as 'PartnerRelationship' | 'OrganizationRelationship' },
};
