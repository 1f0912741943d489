import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from '../../graph/context.js';
import { summarizeOperation } from '../operation.js';

/**
 * One structured line per GraphQL operation, written when its response is ready:
 *
 * ```json
 * {"level":30,"msg":"graphql operation","requestId":"…","operationName":"PartnerSupplyNetwork",
 *  "operationType":"query","durationMs":41.7,"upstreamCalls":3,
 *  "upstreamCallsByUpstream":{"iqmetrix":1,"inspectorio":2},"httpStatus":200}
 * ```
 *
 * `errorCodes` is there when the response has errors, and the line is then a warning. No
 * headers, variables or upstream URLs are logged, so no credential can end up here.
 */
export function operationLoggingPlugin(logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async willSendResponse(requestContext) {
          const operation = summarizeOperation(requestContext);
          const { total, byUpstream } = countCalls(contextValue.upstreamCalls);
          const line = {
            requestId: contextValue.requestId,
            operationName: operation.name,
            operationType: operation.type,
            durationMs: Math.round((performance.now() - started) * 10) / 10,
            upstreamCalls: total,
            upstreamCallsByUpstream: byUpstream,
            errorCodes: operation.errorCodes.length > 0 ? operation.errorCodes : undefined,
            httpStatus: operation.httpStatus,
          };
          if (operation.outcome === 'ok') logger.info(line, 'graphql operation');
          else logger.warn(line, 'graphql operation');
        },
      };
    },
  };
}

/** `upstreamCalls` is keyed by `"<upstream> <route>"`. */
function countCalls(calls: Map<string, number> | undefined): { total: number; byUpstream: Record<string, number> } {
  let total = 0;
  const byUpstream: Record<string, number> = {};
  for (const [key, n] of calls ?? []) {
    const upstream = key.slice(0, key.indexOf(' '));
    byUpstream[upstream] = (byUpstream[upstream] ?? 0) + n;
    total += n;
  }
  return { total, byUpstream };
}
