// Every mistake a caller can make gets a client answer: a 4xx status (or, for a mistake confined to
// one field, that field's BAD_USER_INPUT), a client `extensions.code` and a readable message, in
// development and in production alike. None comes back as INTERNAL_SERVER_ERROR, and none is logged
// at error level as if it were our bug.
import { jest } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { createLogger, logger as processLogger } from '../../src/logger.js';
import { startStack, type Stack } from '../helpers/stack.js';

interface Mistake {
  name: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Query string for GET (without `?`). */
  search?: string;
  headers?: Record<string, string>;
  /** Sent as is; an object is sent as JSON. */
  body?: string | Buffer | object;
  status: number;
  /** The code of the first error; `|` separates the codes accepted. */
  code: string;
  /** Text the first message contains. */
  message?: RegExp;
  /** Only in this mode (production hides schema details and introspection). */
  only?: 'development' | 'production';
}

const Q = (query: string) => encodeURIComponent(query);
const preflight = { 'apollo-require-preflight': 'yes' };
const byId = 'query($id: Int!) { company(id: $id) { name } }';
const pageByVariable = 'query($n: Int) { partner(id: 36) { companyRelationships(first: $n) { edges { node { company { name } } } } } }';

const MISTAKES: Mistake[] = [
  // Operations this read-only graph does not have.
  { name: 'a mutation', body: { query: 'mutation { x }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /read-only.*no mutation/ },
  { name: 'a named mutation of a query field', body: { query: 'mutation M { company(id: 14146) { name } }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /no mutation/ },
  { name: 'a subscription', body: { query: 'subscription { companyChanged }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED', message: /no subscription/ },
  {
    name: 'a query chosen beside a mutation in one document',
    body: { query: 'query Q { __typename } mutation M { x }', operationName: 'Q' },
    status: 400,
    code: 'GRAPHQL_VALIDATION_FAILED',
    message: /no mutation/,
  },
  { name: 'a mutation over GET', method: 'GET', search: `query=${Q('mutation { x }')}`, headers: preflight, status: 400, code: 'GRAPHQL_VALIDATION_FAILED|BAD_REQUEST' },
  // Variables that do not fit their declared types.
  { name: 'a string for an Int', body: { query: byId, variables: { id: 'abc' } }, status: 400, code: 'BAD_USER_INPUT', message: /Int cannot represent/ },
  { name: 'an Int beyond 32 bits', body: { query: byId, variables: { id: 3_000_000_000 } }, status: 400, code: 'BAD_USER_INPUT', message: /32-bit/ },
  { name: 'a float for an Int', body: { query: byId, variables: { id: 1.5 } }, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'a required variable missing', body: { query: byId }, status: 400, code: 'BAD_USER_INPUT', message: /was not provided/ },
  { name: 'null for a non-null variable', body: { query: byId, variables: { id: null } }, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'an object for an Int', body: { query: byId, variables: { id: { a: 1 } } }, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'a variable hidden under __proto__', body: `{"query":${JSON.stringify(byId)},"variables":{"__proto__":{"id":1}}}`, status: 400, code: 'BAD_USER_INPUT' },
  { name: 'an Int literal beyond 32 bits', body: { query: '{ company(id: 3000000000) { name } }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  // Documents that do not parse or validate, and operation names that pick nothing.
  { name: 'a syntax error', body: { query: '{ company(' }, status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'a NUL character', body: { query: '{ __typename }\u0000' }, status: 400, code: 'GRAPHQL_PARSE_FAILED' },
  { name: 'an unknown field', body: { query: '{ nope }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'an unknown variable type', body: { query: 'query($x: Foo) { __typename }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'an unknown directive (@defer)', body: { query: '{ company(id: 1) { ... @defer { name } } }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'a wrong directive argument', body: { query: '{ __typename @skip(if: "x") }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'an unknown operationName', body: { query: 'query A { __typename }', operationName: 'B' }, status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'several operations, no operationName', body: { query: 'query A { __typename } query B { __typename }' }, status: 400, code: 'OPERATION_RESOLUTION_FAILURE' },
  { name: 'introspection in production', body: { query: '{ __schema { queryType { name } } }' }, status: 400, code: 'GRAPHQL_VALIDATION_FAILED', only: 'production' },
  // Request bodies that are not a GraphQL request.
  { name: 'malformed JSON', body: '{"query": ', status: 400, code: 'BAD_REQUEST', message: /not valid JSON/ },
  { name: 'JSON null', body: 'null', status: 400, code: 'BAD_REQUEST', message: /must be a JSON object.*not null/ },
  { name: 'a JSON string', body: '"{ __typename }"', status: 400, code: 'BAD_REQUEST', message: /must be a JSON object.*not a string/ },
  { name: 'a JSON number', body: '1', status: 400, code: 'BAD_REQUEST', message: /must be a JSON object.*not a number/ },
  { name: 'an empty body', body: '', status: 400, code: 'BAD_REQUEST' },
  { name: 'an empty object', body: {}, status: 400, code: 'BAD_REQUEST' },
  { name: 'a batch', body: [{ query: '{ __typename }' }], status: 400, code: 'BAD_REQUEST', message: /batching/ },
  { name: 'an empty batch', body: [], status: 400, code: 'BAD_REQUEST' },
  { name: 'a query that is a number', body: { query: 42 }, status: 400, code: 'BAD_REQUEST', message: /must be strings/ },
  { name: 'an empty query', body: { query: '' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'variables as an array', body: { query: '{ __typename }', variables: [1] }, status: 400, code: 'BAD_REQUEST' },
  { name: 'variables as a JSON string', body: { query: byId, variables: '{"id":1}' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'an operationName that is a number', body: { query: '{ __typename }', operationName: 1 }, status: 400, code: 'BAD_REQUEST' },
  { name: 'extensions as a string', body: { query: '{ __typename }', extensions: 'x' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'extensions as an array', body: { query: '{ __typename }', extensions: [1] }, status: 400, code: 'BAD_REQUEST' },
  {
    name: 'a persisted query version other than 1',
    body: { query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'abc' } } },
    status: 400,
    code: 'BAD_REQUEST|PERSISTED_QUERY_NOT_SUPPORTED|PERSISTED_QUERY_VERSION_NOT_SUPPORTED',
  },
  {
    name: 'a persisted query hash that is not the query’s',
    body: { query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } },
    status: 400,
    code: 'BAD_REQUEST|PERSISTED_QUERY_HASH_MISMATCH',
  },
  // Persisted-query and trusted-document fields of the wrong shape (src/edge owns their messages).
  ...(
    [
      ['a documentId that is a number', { documentId: 5 }],
      ['a documentId that is no hash', { documentId: 'sha256:abc', query: '{ __typename }' }],
      ['a persisted query hash that is a number', { extensions: { persistedQuery: { version: 1, sha256Hash: 5 } } }],
      ['a persisted query version that is a string', { query: '{ __typename }', extensions: { persistedQuery: { version: '1', sha256Hash: 'x' } } }],
      ['a persisted query without a hash', { query: '{ __typename }', extensions: { persistedQuery: { version: 1 } } }],
      ['a persisted query that is an array', { query: '{ __typename }', extensions: { persistedQuery: [1] } }],
      ['a persisted query that is true', { query: '{ __typename }', extensions: { persistedQuery: true } }],
    ] as const
  ).map(([name, body]): Mistake => ({ name, body, status: 400, code: 'BAD_REQUEST|PERSISTED_QUERY_HASH_MISMATCH|PERSISTED_QUERY_NOT_IN_LIST' })),
  { name: 'a body over the size limit', body: { query: '{ __typename }', pad: 'x'.repeat(2_000_000) }, status: 413, code: 'BAD_REQUEST', message: /larger than/ },
  // Transport mistakes: content type, charset, encoding, method, accept.
  { name: 'text/plain (CSRF-prone)', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }), status: 400, code: 'BAD_REQUEST' },
  { name: 'form-encoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D', status: 400, code: 'BAD_REQUEST' },
  { name: 'no content type', headers: { 'content-type': '' }, body: JSON.stringify({ query: '{ __typename }' }), status: 400, code: 'BAD_REQUEST' },
  { name: 'application/graphql', headers: { 'content-type': 'application/graphql' }, body: '{ __typename }', status: 400, code: 'BAD_REQUEST' },
  { name: 'an unknown charset', headers: { 'content-type': 'application/json; charset=latin-9' }, body: { query: '{ __typename }' }, status: 415, code: 'BAD_REQUEST' },
  { name: 'an unknown content encoding', headers: { 'content-encoding': 'xz' }, body: { query: '{ __typename }' }, status: 415, code: 'BAD_REQUEST' },
  { name: 'gzip that is not gzip', headers: { 'content-encoding': 'gzip' }, body: { query: '{ __typename }' }, status: 400, code: 'BAD_REQUEST', message: /could not be decoded as Content-Encoding "gzip"/ },
  { name: 'br that is not br', headers: { 'content-encoding': 'br' }, body: { query: '{ __typename }' }, status: 400, code: 'BAD_REQUEST', message: /Content-Encoding "br"/ },
  { name: 'a gzip bomb over the size limit', headers: { 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify({ query: '{ __typename }', pad: ' '.repeat(5_000_000) })), status: 413, code: 'BAD_REQUEST' },
  { name: 'an Accept the gateway cannot answer', headers: { accept: 'application/xml' }, body: { query: '{ __typename }' }, status: 406, code: 'BAD_REQUEST' },
  { name: 'PUT', method: 'PUT', body: { query: '{ __typename }' }, status: 405, code: 'BAD_REQUEST' },
  { name: 'PATCH', method: 'PATCH', body: { query: '{ __typename }' }, status: 405, code: 'BAD_REQUEST' },
  { name: 'DELETE', method: 'DELETE', status: 405, code: 'BAD_REQUEST' },
  { name: 'GET without a CSRF preflight header', method: 'GET', search: `query=${Q('{ __typename }')}`, headers: { 'content-type': '' }, status: 400, code: 'BAD_REQUEST' },
  { name: 'GET with variables that are not JSON', method: 'GET', search: `query=${Q(byId)}&variables={bad`, headers: preflight, status: 400, code: 'BAD_REQUEST' },
  { name: 'GET with extensions that are not JSON', method: 'GET', search: `query=${Q('{ __typename }')}&extensions={bad`, headers: preflight, status: 400, code: 'BAD_REQUEST' },
  { name: 'GET with two queries', method: 'GET', search: `query=${Q('{ __typename }')}&query=${Q('{ __typename }')}`, headers: preflight, status: 400, code: 'BAD_REQUEST' },
  { name: 'GET without a query', method: 'GET', search: '', headers: preflight, status: 400, code: 'BAD_REQUEST' },
  // Variables the limits see before execution coerces them (cost counts `first`, `ids`, @skip/@include).
  ...(['abc', 1e10, [1], { a: 1 }, 1.5, true] as unknown[]).map(
    (n): Mistake => ({ name: `a page size of ${JSON.stringify(n)}`, body: { query: pageByVariable, variables: { n } }, status: 400, code: 'BAD_USER_INPUT' }),
  ),
  // A valid Int that the field refuses: that field alone.
  { name: 'a page size of -5 in a variable', body: { query: pageByVariable, variables: { n: -5 } }, status: 200, code: 'BAD_USER_INPUT' },
  ...([{ a: 1 }, [1, [2]], [null]] as unknown[]).map(
    (ids): Mistake => ({ name: `ids of ${JSON.stringify(ids)}`, body: { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids } }, status: 400, code: 'BAD_USER_INPUT' }),
  ),
  // A single value where a list is declared is a list of one (GraphQL input coercion), and not an id we issued.
  { name: 'ids of "notalist"', body: { query: 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: 'notalist' } }, status: 200, code: 'BAD_USER_INPUT' },
  ...(['yes', 1, null] as unknown[]).map(
    (b): Mistake => ({ name: `@include(if: ${JSON.stringify(b)})`, body: { query: 'query($b: Boolean!) { partner(id: 36) { companyRelationships(first: 100) @include(if: $b) { totalCount } } }', variables: { b } }, status: 400, code: 'BAD_USER_INPUT' }),
  ),
  // Limits.
  { name: 'too deep', body: { query: `{ organization(id: 6000) { ${'company { organization { '.repeat(10)}name${' } }'.repeat(10)} } }` }, status: 400, code: 'DEPTH_LIMIT_EXCEEDED' },
  { name: 'too many tokens', body: { query: `{ ${'__typename '.repeat(3000)}}` }, status: 400, code: 'TOKEN_LIMIT_EXCEEDED|GRAPHQL_PARSE_FAILED' },
  {
    name: 'too costly',
    body: { query: '{ partner(id: 36) { companyRelationships(first: 100) { nodes { company { organization { relationships(first: 100) { nodes { target { name } } } } } } } } }' },
    status: 400,
    code: 'COST_LIMIT_EXCEEDED',
  },
  { name: 'too many aliases', body: { query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: __typename`).join(' ')} }` }, status: 400, code: 'ALIAS_LIMIT_EXCEEDED' },
  // Mistakes confined to one field: that field alone fails, with BAD_USER_INPUT.
  { name: 'an id this server never issued', body: { query: '{ node(id: "nope") { id } }' }, status: 200, code: 'BAD_USER_INPUT' },
  { name: 'an id with a lone surrogate', body: '{"query":"query($id: ID!) { node(id: $id) { id } }","variables":{"id":"\\ud800"}}', status: 200, code: 'BAD_USER_INPUT' },
  { name: 'a negative page size', body: { query: '{ partner(id: 36) { companyRelationships(first: -1) { totalCount } } }' }, status: 200, code: 'BAD_USER_INPUT' },
  { name: 'a page size over 100', body: { query: '{ partner(id: 36) { companyRelationships(first: 1000000) { totalCount } } }' }, status: 200, code: 'BAD_USER_INPUT|COST_LIMIT_EXCEEDED' },
  { name: 'a cursor this server never issued', body: { query: '{ partner(id: 36) { companyRelationships(after: "zz") { totalCount } } }' }, status: 200, code: 'BAD_USER_INPUT' },
];

/** A code no caller input may ever produce. */
const OUR_BUG = 'INTERNAL_SERVER_ERROR';

async function send(url: string, mistake: Mistake) {
  const target = new URL(url);
  if (mistake.search !== undefined) target.search = mistake.search;
  const { body } = mistake;
  const payload = body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...mistake.headers };
  if (headers['content-type'] === '') delete headers['content-type'];
  const response = await request(target, { method: mistake.method ?? 'POST', headers, body: payload });
  const text = await response.body.text();
  return { status: response.statusCode, contentType: String(response.headers['content-type']), text };
}

describe.each(['development', 'production'] as const)('client mistakes (%s)', (mode) => {
  const lines: string[] = [];
  const gatewayLogger = createLogger({ write: (line: string) => void lines.push(line) }, 'debug');
  let stack: Stack;
  let processErrors: ReturnType<typeof jest.spyOn>;

  beforeAll(async () => {
    stack = await startStack({ env: mode === 'production' ? { NODE_ENV: 'production' } : {}, gateway: { logger: gatewayLogger } });
  });
  afterAll(() => stack.close());
  beforeEach(() => {
    lines.length = 0;
    // formatError reports our own bugs on the process logger.
    processErrors = jest.spyOn(processLogger, 'error');
  });
  afterEach(() => processErrors.mockRestore());

  it.each(MISTAKES.filter((m) => m.only === undefined || m.only === mode).map((m) => [m.name, m] as const))('%s', async (_name, mistake) => {
    const answer = await send(stack.gateway.url, mistake);
    expect(answer.contentType).toMatch(/^application\/(graphql-response\+)?json/);
    const body = JSON.parse(answer.text) as { errors?: Array<{ message: string; extensions?: { code?: unknown } }> };
    const errors = body.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(typeof error.extensions?.code).toBe('string');
      expect(error.extensions?.code).not.toBe(OUR_BUG);
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect({ status: answer.status, code: mistake.code.split('|').includes(String(errors[0]!.extensions?.code)) }).toEqual({ status: mistake.status, code: true });
    if (mistake.message) expect(errors[0]!.message).toMatch(mistake.message);
    if (mode === 'production') expect(answer.text).not.toMatch(/stacktrace/);

    // A caller's mistake is not logged as our bug.
    expect(processErrors).not.toHaveBeenCalled();
    const errorLines = lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50);
    expect(errorLines).toEqual([]);
  });
});

describe('credential mistakes with AUTH_MODE=passthrough', () => {
  const lines: string[] = [];
  const gatewayLogger = createLogger({ write: (line: string) => void lines.push(line) }, 'debug');
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { AUTH_MODE: 'passthrough', NODE_ENV: 'production' }, gateway: { logger: gatewayLogger } });
  });
  afterAll(() => stack.close());

  const query = '{ company(id: 14146) { name } organization(id: 6000) { name } }';
  it.each([
    ['no credentials', {}],
    ['a bare "Bearer"', { authorization: 'Bearer' }],
    ['Basic instead of Bearer', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a token with spaces', { authorization: 'Bearer a b c' }],
    ['a token with Latin-1 letters', { authorization: 'Bearer \u00e9t\u00e9' }],
    ['an unknown token and API key', { authorization: 'Bearer nope', 'x-inspectorio-api-key': 'nope' }],
    ['an API key with a byte over 0x7f', { 'x-inspectorio-api-key': 'k\u00ff' }],
  ])('%s: each field that needs a credential is UNAUTHENTICATED, nothing else', async (_name, headers) => {
    lines.length = 0;
    const response = await stack.query(query, undefined, headers as Record<string, string>);
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ company: null, organization: null });
    expect(response.body.errors!.map((e) => [e.path, e.extensions?.code]).sort()).toEqual([
      [['company'], 'UNAUTHENTICATED'],
      [['organization'], 'UNAUTHENTICATED'],
    ]);
    expect(lines.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50)).toEqual([]);
  });
});
