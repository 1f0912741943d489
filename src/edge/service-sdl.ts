import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * With SERVICE_SDL=false, refuses any operation that selects `Query._service` (the subgraph SDL
 * routers read to compose a supergraph), as a validation error: HTTP 400,
 * GRAPHQL_VALIDATION_FAILED, before anything runs. For a gateway that no router composes: the
 * SDL names every type and field, which is what turning introspection off is meant to hide.
 */
export const noServiceSdl: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '_service') return;
    if (context.getParentType()?.name !== context.getSchema().getQueryType()?.name) return;
    context.reportError(new GraphQLError('`_service` is turned off on this gateway (SERVICE_SDL=false).', { nodes: [node] }));
  },
});
