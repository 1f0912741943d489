import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Validation rule: an operation whose type (mutation, subscription) the schema has no root for is
 * refused at validation, as the GraphQL spec's "Operation Type Existence" rule (graphql-js 17's
 * KnownOperationTypesRule) requires. graphql-js 16 leaves it to execution, which throws "Schema is
 * not configured to execute mutation operation"; Apollo Server then answers HTTP 200 with
 * INTERNAL_SERVER_ERROR and logs the caller's mistake as our bug. Refused here it is HTTP 400
 * with GRAPHQL_VALIDATION_FAILED, in production too.
 */
export function knownOperationTypes(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (context.getSchema().getRootType(node.operation)) return;
      context.reportError(
        new GraphQLError(`This graph is read-only: it has no ${node.operation} operations, only queries.`, {
          nodes: node,
        }),
      );
    },
  };
}
