import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '../errors.js';
import type { GatewayContext } from '../graph/context.js';
import { decodeId, isIdKey } from '../graph/ids.js';
import { resolveNode, type NodeModel } from './node.js';

/**
 * The upstream id in an entity representation, as `_entities` receives it. Representations
 * are `_Any`: nothing validated them, so the key is checked here like an argument would be.
 * A string "12" would otherwise reach the loaders beside the number 12 and be fetched twice.
 *
 * Call it inside an async `__resolveReference`: @apollo/subgraph maps the representations
 * synchronously, so a synchronous throw would fail the whole `_entities` list instead of
 * nulling this one representation.
 */
export function referenceId<K extends string>(representation: { [key in K]: unknown }, key: K): number {
  const value = representation[key];
  // The rule of every key in this graph (isIdKey): a larger one could be asked of the upstream
  // but not answered in the entity's own key field, nor minted into an id.
  if (!isIdKey(value)) {
    throw badUserInput(`An entity representation's \`${key}\` must be a positive 32-bit integer (got ${JSON.stringify(value) ?? 'nothing'}).`, {
      argumentName: 'representations',
    });
  }
  return value;
}

/**
 * `__resolveReference` of an entity keyed by its global `id` (the relationship types: neither
 * upstream gives them an id of their own). The id must be one this server issued for that very
 * type; anything else is BAD_USER_INPUT for this representation only.
 */
export function resolveByGlobalId<N extends 'PartnerRelationship' | 'OrganizationRelationship'>(typename: N) {
  return async (representation: { id?: unknown }, context: GatewayContext, info: GraphQLResolveInfo): Promise<NodeModel> => {
    const { id } = representation;
    if (typeof id !== 'string') {
      throw badUserInput(`A ${typename} representation's \`id\` must be a global id string (got ${JSON.stringify(id) ?? 'nothing'}).`, { argumentName: 'representations' });
    }
    const { type } = decodeId(id);
    if (type !== typename) throw badUserInput(`"${id}" is the id of a ${type}, not of a ${typename}.`, { argumentName: 'representations' });
    return resolveNode(id, context, info);
  };
}

/** The reference resolvers that src/schema.ts adds beside the field resolvers. */
export const referenceResolvers = {
  PartnerRelationship: { __resolveReference: resolveByGlobalId('PartnerRelationship') },
  OrganizationRelationship: { __resolveReference: resolveByGlobalId('OrganizationRelationship') },
};
