import { GraphQLError } from 'graphql';
import { formatError } from '../../src/graph/format-error.js';
import { UpstreamError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';

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

describe('formatError and request-level refusals', () => {
  it('gives a 4xx request error without a code BAD_REQUEST, keeps its message, and logs nothing at error level', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line: string) => void lines.push(line) }, 'trace');
    // As Apollo Server raises it for an APQ hash that does not match the query.
    const error = new GraphQLError('provided sha does not match query', { extensions: { http: { status: 400 } } });
    const formatted = formatError(true, log)({ message: error.message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error);
    expect(formatted).toEqual({ message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } });
    expect(lines).toEqual([]);
  });

  it('still treats a field error that carries a 4xx status without a code as a bug', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line: string) => void lines.push(line) }, 'trace');
    const error = new GraphQLError('boom', { path: ['company'], extensions: { http: { status: 400 } } });
    expect(formatError(true, log)({ message: 'boom', path: ['company'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, error).extensions!.code).toBe('INTERNAL_SERVER_ERROR');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual([50]);
  });
});
