import type { ApolloServerPlugin } from '@apollo/server';
import { SpanKind, SpanStatusCode, context, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { GatewayContext } from '../../graph/context.js';
import { summarizeOperation } from '../operation.js';

// One SERVER span per GraphQL operation, active while it executes. It is started and made
// active by an Express middleware rather than by the Apollo plugin, because a plugin's hooks
// are called from the request pipeline and cannot wrap the execution in `context.with`; the
// middleware can, and everything Apollo then does for the request (resolvers, DataLoader
// batches, undici calls) runs in that async context. The plugin names the span once the
// operation is known and ends it. Install the two together.

/**
 * Starts the operation's span and runs the rest of the request inside it. Mount it after
 * the body parser: body-parser resumes from stream events, whose callbacks run in the
 * socket's async context, not the one current when the listener was added, so a context
 * entered before it would be lost by the time Apollo runs.
 */
export function operationSpanMiddleware(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    // A caller that traces sends `traceparent`: the operation joins its trace.
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      `${req.method} ${req.baseUrl || req.path}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': req.baseUrl || req.path } },
      parent,
    );
    // The plugin ends the span when the operation's response is ready; this covers requests
    // that never reach the operation pipeline (a GET for the landing page, a malformed request).
    res.once('close', () => {
      if (!span.isRecording()) return;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/**
 * Names and ends the span `operationSpanMiddleware` started: `query PartnerSupplyNetwork`,
 * with the GraphQL attributes of the semantic conventions, the request id, and the error
 * codes when there are errors.
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
