import { ApolloServerErrorCode, unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Logger } from 'pino';
import { logger } from '../logger.js';

/**
 * graphql-js's suggestion sentence (its internal jsutils/didYouMean): ` Did you mean "a", "b",
 * or "c"?`, also ` Did you mean the enum value "A"?` and ` Did you mean to use an inline
 * fragment on "T"?`. It ends the message part it belongs to, and GraphQL names never contain "?".
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** `message` without graphql-js's "Did you mean …?" suggestions. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}

/**
 * Errors we raised on purpose (a known `extensions.code`) and GraphQL's own (parse,
 * validation) reach the client as they are. Anything else is a bug: logged whole, and in
 * production reduced to INTERNAL_SERVER_ERROR with a generic message.
 *
 * In production no message suggests a name ("Did you mean the enum value "FACTORY"?"):
 * suggestions spell out the schema that introspection hides. Apollo's
 * hideSchemaDetailsFromClientErrors removes them from validation errors only; variable and
 * argument coercion (BAD_USER_INPUT, before and during execution) suggest too, so every
 * message is stripped here, the one place every client-facing error passes.
 */
export function formatError(production: boolean, log: Logger = logger) {
  const format = formatErrorWithSuggestions(production, log);
  if (!production) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    return result.message.includes('Did you mean') ? { ...result, message: withoutSuggestions(result.message) } : result;
  };
}

function formatErrorWithSuggestions(production: boolean, log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    const deliberate = original instanceof GraphQLError && typeof original.extensions?.code === 'string';
    // Apollo's own codes (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, PERSISTED_QUERY_NOT_FOUND…)
    // are what clients and APQ expect, so they pass too.
    if (deliberate || (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR)) return formatted;
    // Apollo Server refuses some malformed requests with a 4xx status but no code (an APQ
    // hash that does not match its query, an APQ version other than 1, when they get past
    // src/edge/trusted-documents). The caller's mistake: BAD_REQUEST, with Apollo's message.
    if (isClientRefusal(original)) return { ...formatted, extensions: { ...formatted.extensions, code: ApolloServerErrorCode.BAD_REQUEST } };
    log.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
    if (!production) return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.INTERNAL_SERVER_ERROR } };
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

/** A request-level error (no path) that Apollo Server gave a 4xx HTTP status. */
function isClientRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.path !== undefined) return false;
  const status = (error.extensions?.http as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}
