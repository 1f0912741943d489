import type { ApolloServerPlugin } from '@apollo/server';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { GatewayContext } from '../../graph/context.js';
import { summarizeOperation } from '../../observability/operation.js';

/**
 * Names and ends the operation span that `operationSpanMiddleware` (src/observability/
 * tracing.ts) started and made active: `query PartnerSupplyNetwork`, with the GraphQL
 * attributes of the semantic conventions, the request id, and the error codes when there
 * are errors. Install the two together.
 */
export function operationTracingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      // Apollo runs this in the middleware's async context, so the active span is the operation's.
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) return;
      span.setAttribute('gateway.request_id', contextValue.requestId);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (!operation) return;
          span.updateName(operationName ? `${operation.operation} ${operationName}` : operation.operation);
          span.setAttribute('graphql.operation.type', operation.operation);
          if (operationName) span.setAttribute('graphql.operation.name', operationName);
        },
        async willSendResponse(requestContext) {
          const { errorCodes, httpStatus, outcome } = summarizeOperation(requestContext);
          span.setAttribute('http.response.status_code', httpStatus);
          if (outcome !== 'ok') {
            span.setAttribute('graphql.error.codes', errorCodes);
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodes.join(', ') });
          }
          span.end();
        },
      };
    },
  };
}
