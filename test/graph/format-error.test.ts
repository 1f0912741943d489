import { GraphQLError } from 'graphql';
import { formatError } from '../../src/graph/format-error.js';
import { UpstreamError } from '../../src/errors.js';

describe('formatError', () => {
  const unexpected = new GraphQLError('Cannot read properties of undefined (reading "x")', { originalError: new TypeError('boom'), path: ['company'] });

  it('masks unexpected errors in production', () => {
    const formatted = formatError(true)({ message: unexpected.message, path: ['company'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, unexpected);
    expect(formatted).toEqual({ message: 'Internal server error', path: ['company'], locations: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('shows them in development, with the code', () => {
    const formatted = formatError(false)({ message: unexpected.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, unexpected);
    expect(formatted.message).toBe(unexpected.message);
    expect(formatted.extensions!.code).toBe('INTERNAL_SERVER_ERROR');
  });

  it('passes deliberate errors through in production', () => {
    const error = new UpstreamError('UPSTREAM_UNAVAILABLE', 'iqmetrix', 'iqmetrix answered 503', { upstreamStatus: 503 });
    const shaped = { message: error.message, extensions: { ...error.extensions } };
    expect(formatError(true)(shaped, error)).toBe(shaped);
  });
});
