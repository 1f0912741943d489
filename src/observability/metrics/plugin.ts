import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../../graph/context.js';
import { INVALID_OPERATION, type GatewayMetrics } from './registry.js';
import { summarizeOperation } from '../operation.js';

/**
 * Operations in flight, and each operation's duration by name and outcome
 * (`gateway_operation_duration_seconds`). An operation that never resolved (a parse or
 * validation failure) is labelled `invalid`; the name cap lives in GatewayMetrics.
 */
export function operationMetricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const ended = metrics.operationStarted();
      return {
        async willSendResponse(requestContext) {
          const { name, outcome } = summarizeOperation(requestContext);
          ended(name === undefined ? INVALID_OPERATION : name ?? '', outcome);
        },
      };
    },
  };
}
