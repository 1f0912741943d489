import type { BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';

/** How an operation ended: no errors, errors beside data, or errors alone. */
export type OperationOutcome = 'ok' | 'partial' | 'error';

/** What the logging, metrics and tracing plugins record about a finished operation. */
export interface OperationSummary {
  /** The operation's name; null when anonymous, undefined when no operation was resolved. */
  name: string | null | undefined;
  type: 'query' | 'mutation' | 'subscription' | undefined;
  outcome: OperationOutcome;
  /** The distinct `extensions.code` values of the errors the client gets, in order of first appearance. */
  errorCodes: string[];
  httpStatus: number;
}

/**
 * Read from the response the client gets, so the codes are the public ones (after
 * formatError has masked unexpected errors), not whatever was thrown.
 */
export function summarizeOperation(requestContext: GraphQLRequestContextWillSendResponse<BaseContext>): OperationSummary {
  const { response, operation, operationName } = requestContext;
  const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
  const errors = result.errors ?? [];
  const errorCodes = [...new Set(errors.map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR')))];
  const hasData = result.data !== undefined && result.data !== null;
  return {
    name: operation ? (operationName ?? null) : undefined,
    type: operation?.operation,
    outcome: errors.length === 0 ? 'ok' : hasData ? 'partial' : 'error',
    errorCodes,
    httpStatus: response.http.status ?? 200,
  };
}
