import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';
import { logger } from '../logger.js';

/**
 * Errors we raised on purpose (a known `extensions.code`) and GraphQL's own (parse,
 * validation) reach the client as they are. Anything else is a bug: logged whole, and in
 * production reduced to INTERNAL_SERVER_ERROR with a generic message.
 */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const deliberate = original instanceof GraphQLError && typeof original.extensions?.code === 'string';
    // Apollo's own codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, PERSISTED_QUERY_NOT_FOUND…)
    // are what clients and APQ expect, so they pass too.
    if (deliberate || (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR)) return formatted;
    logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
    if (!production) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}
