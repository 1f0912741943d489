import { ApolloServerValidationErrorCode } from '@apollo/server/errors';
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Validation rule used when INTROSPECTION is off, in place of Apollo Server's own (whose message
 * tells the caller to "pass introspection: true to ApolloServer", an option nobody running the
 * gateway sets): it names the gateway's setting instead. Same refusal otherwise: HTTP 400,
 * GRAPHQL_VALIDATION_FAILED, and Apollo's `validationErrorCode: INTROSPECTION_DISABLED`, for any
 * `__schema` or `__type` field (`__typename` stays allowed).
 */
export function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (node.name.value !== '__schema' && node.name.value !== '__type') return;
      context.reportError(
        new GraphQLError(`Introspection is turned off on this gateway, and the query asks for ${node.name.value}. Its operator can turn it on with INTROSPECTION=true.`, {
          nodes: node,
          extensions: { validationErrorCode: ApolloServerValidationErrorCode.INTROSPECTION_DISABLED },
        }),
      );
    },
  };
}
