import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { JSONObjectResolver } from 'graphql-scalars';

// DateTime keeps the upstream's own spelling (iQmetrix writes 7 fractional digits, which a
// JS Date would cut to 3), once it is checked to be ISO-8601 in UTC.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function checkDateTime(value: unknown): string {
  if (typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value))) return value;
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  throw new GraphQLError(`DateTime must be an ISO-8601 UTC date-time such as 2015-01-14T11:22:50.568Z (got ${JSON.stringify(value)}).`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC, e.g. `2015-05-20T23:06:29.7700813Z`.',
  serialize: checkDateTime,
  parseValue: checkDateTime,
  parseLiteral: (ast) => checkDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
  specifiedByURL: 'https://scalars.graphql.org/andimarek/date-time',
});

export const JSONObject = JSONObjectResolver;
