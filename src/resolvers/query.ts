import { badUserInput, notFound } from '../errors.js';
import type { QueryResolvers } from '../generated/graphql.js';
import { loadCompany } from './company.js';
import { checkNodeIds, resolveNode } from './node.js';
import { loadPartner } from './partner.js';

/** Upstream ids are positive integers; anything else would only earn a confusing upstream error. */
function positiveId(value: number, argumentName: string): number {
  if (value < 1) throw badUserInput(`\`${argumentName}\` must be a positive integer (got ${value}).`, { argumentName });
  return value;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const Query: QueryResolvers = {
  node: (_, { id }, context, info) => resolveNode(id, context, info),
  nodes: (_, { ids }, context, info) => {
    checkNodeIds(ids);
    // Each id on its own: a bad one nulls its own position only.
    return ids.map((id) => resolveNode(id, context, info));
  },
  partner: (_, { id }, context, info) => loadPartner(positiveId(id, 'id'), context, info),
  company: (_, { id }, context, info) => loadCompany(positiveId(id, 'id'), context, info),
  organization: (_, { id }, { loaders }) => loaders.organization.load(positiveId(id, 'id')),
  organizationByExternalId: async (_, { externalId }, { loaders }) => {
    if (externalId.length === 0 || externalId.length > 255) {
      throw badUserInput('`externalId` must be 1 to 255 characters long.', { argumentName: 'externalId' });
    }
    // Inspectorio's filter takes ids separated by commas, so an id with a comma cannot be
    // asked for; a lone UTF-16 surrogate cannot be sent in a URL at all.
    if (externalId.includes(',')) {
      throw badUserInput('`externalId` cannot contain a comma: the upstream filter separates ids with commas.', { argumentName: 'externalId' });
    }
    if (LONE_SURROGATE.test(externalId)) throw badUserInput('`externalId` is not well-formed Unicode.', { argumentName: 'externalId' });
    const organization = await loaders.organizationByExternalId.load(externalId);
    if (!organization) throw notFound(`No organization has externalId "${externalId}".`);
    return organization;
  },
};
