import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../../errors.js';
import { operationCost } from './cost.js';
import type { LimitSettings } from './settings.js';
import { operationShape } from './shape.js';

export { DEFAULT_PAGE_SIZE, operationCost, type CostOptions } from './cost.js';
export { corsOptions, requestBodyErrors } from './http.js';
export { DEFAULT_LIMITS, type CorsOrigins, type LimitSettings } from './settings.js';
export { operationShape, type OperationShape } from './shape.js';

/** The `extensions.code` of an operation refused for its size (defined with the others in src/errors.ts). All come with HTTP 400. */
export const LimitErrorCode = {
  DEPTH_LIMIT_EXCEEDED: ErrorCode.DEPTH_LIMIT_EXCEEDED,
  COST_LIMIT_EXCEEDED: ErrorCode.COST_LIMIT_EXCEEDED,
  ALIAS_LIMIT_EXCEEDED: ErrorCode.ALIAS_LIMIT_EXCEEDED,
  TOKEN_LIMIT_EXCEEDED: ErrorCode.TOKEN_LIMIT_EXCEEDED,
} as const;
export type LimitErrorCode = (typeof LimitErrorCode)[keyof typeof LimitErrorCode];

/**
 * Refuses an operation that is too deep, has too many aliases or costs too much, after
 * validation and before execution: no resolver runs, so no upstream is called. Checked on
 * every request, also when Apollo's document cache skipped parsing and validation, because
 * the cost depends on the variables.
 *
 * The token limit is the parser's (`parseOptions.maxTokens`, which must be given the same
 * `maxTokens`): it stops reading a huge document early, which no check after parsing can.
 * Apollo reports every parse failure as GRAPHQL_PARSE_FAILED; this plugin renames that one
 * to TOKEN_LIMIT_EXCEEDED so that clients can tell "too big" from "broken".
 */
export function limitsPlugin(limits: LimitSettings): ApolloServerPlugin<BaseContext> {
  // Shape and cost are pure functions of the document, the operation and the variables: worked
  // out once per (document, operation, variables) rather than on every request (issue 12). Apollo
  // hands out the same DocumentNode for a document it has seen (its document cache), so a
  // WeakMap keyed by it goes with the document.
  const measured = new WeakMap<DocumentNode, Map<string, { shape: ReturnType<typeof operationShape>; cost: number | null }>>();
  const measure = (document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined, schema: GraphQLSchema) => {
    let byRequest = measured.get(document);
    if (!byRequest) measured.set(document, (byRequest = new Map()));
    const key = `${operation.name?.value ?? ''}\u0000${variables ? JSON.stringify(variables) : ''}`;
    let found = byRequest.get(key);
    if (!found) {
      // Counting stops just past the budget, so `cost` in the error is a lower bound: the
      // analysis of a hostile query must not cost more than an acceptable one.
      found = { shape: operationShape(document, operation), cost: operationCost(schema, document, operation, variables, { stopAbove: limits.maxCost }) };
      // Variables vary without bound: keep a few per document.
      if (byRequest.size >= 64) byRequest.clear();
      byRequest.set(key, found);
    }
    return found;
  };
  return {
    async requestDidStart() {
      let overTokenLimit = false;
      return {
        async parsingDidStart() {
          return async (error?: Error) => {
            overTokenLimit = error !== undefined && isTokenLimitError(error, limits.maxTokens);
          };
        },

        async didResolveOperation({ document, operation, request, schema }) {
          // No operation matches `operationName`: execution refuses the request on its own.
          if (!operation) return;
          const { shape, cost } = measure(document, operation, request.variables, schema);
          if (shape.aliases > limits.maxAliases) {
            throw limitError(LimitErrorCode.ALIAS_LIMIT_EXCEEDED, `The operation has ${shape.aliases} aliases; at most ${limits.maxAliases} are allowed.`, {
              aliases: shape.aliases,
              maxAliases: limits.maxAliases,
            });
          }
          if (shape.depth > limits.maxDepth) {
            throw limitError(LimitErrorCode.DEPTH_LIMIT_EXCEEDED, `The operation nests fields ${shape.depth} deep; at most ${limits.maxDepth} is allowed.`, {
              depth: shape.depth,
              maxDepth: limits.maxDepth,
            });
          }
          if (cost !== null && cost > limits.maxCost) {
            throw limitError(
              LimitErrorCode.COST_LIMIT_EXCEEDED,
              `The operation costs at least ${cost}, over the limit of ${limits.maxCost}. Each object field costs 1 per item ` +
                'of the pages it sits in: ask for smaller pages (`first`/`last`) or nest fewer connections.',
              { cost, maxCost: limits.maxCost },
            );
          }
        },

        async willSendResponse({ response }) {
          if (!overTokenLimit || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.errors = result.errors?.map((error) =>
            error.extensions?.code === ApolloServerErrorCode.GRAPHQL_PARSE_FAILED
              ? {
                  ...error,
                  message: `The query has more than ${limits.maxTokens} tokens, the most allowed.`,
                  extensions: { ...error.extensions, code: LimitErrorCode.TOKEN_LIMIT_EXCEEDED, maxTokens: limits.maxTokens },
                }
              : error,
          );
        },
      };
    },
  };
}

/**
 * Recognises graphql-js's error when `parse` stops at `maxTokens` (graphql/language/parser.ts).
 * graphql 16 spells it "more that"; "than" is accepted too in case it is ever corrected.
 * Anchored, so that the text of a query quoted in another syntax error cannot fake it.
 */
function isTokenLimitError(error: Error, maxTokens: number): boolean {
  const match = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/.exec(error.message);
  return match !== null && Number(match[1]) === maxTokens;
}

function limitError(code: LimitErrorCode, message: string, details: Record<string, number>): GraphQLError {
  // `extensions.http` sets the status of the whole response (Apollo strips it from the body):
  // right here, where the whole request is refused.
  return new GraphQLError(message, { extensions: { code, ...details, http: { status: 400 } } });
}
