import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from 'undici';
import { createApolloClient } from '../../examples/frontend/src/apollo.js';
import { CompanyQuery, PartnerCompaniesQuery } from '../../examples/frontend/src/operations.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startGateway } from '../../src/server.js';
import { sha256Hex } from '../../src/edge/index.js';
import { codes, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { capturedLogger, getGraphQL } from './helpers.js';

// Trusted documents (TRUSTED_DOCUMENTS_FILE, TRUSTED_DOCUMENTS_ONLY) and the persisted-query
// request forms, over real HTTP. Every refusal is an HTTP 400 before any upstream call.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

/** A manifest in Apollo's format with these bodies. */
function manifest(bodies: Record<string, string>) {
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: Object.entries(bodies).map(([name, body]) => ({ id: sha256Hex(body), name, type: 'query', body })),
  };
}

async function writeManifest(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

let company: number;
let LISTED: string;
let UNLISTED: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'trusted-documents-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const persisted = (hash: string, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash: hash } });

describe('TRUSTED_DOCUMENTS_ONLY=true', () => {
  let stack: Stack;
  beforeAll(async () => {
    LISTED = 'query Listed($id: Int!) { company(id: $id) { id name } }';
    UNLISTED = 'query Unlisted($id: Int!) { company(id: $id) { id name displayName } }';
    const file = await writeManifest('only.json', manifest({ Listed: LISTED }));
    stack = await startStack({ env: { TRUSTED_DOCUMENTS_FILE: file, TRUSTED_DOCUMENTS_ONLY: 'true' } });
    company = stack.sims.dataset.fixtures.unlinkedCompanyIds[0]!;
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounts());

  const expectNotInList = (response: { status: number; body: { data?: unknown; errors?: Array<{ extensions?: Record<string, any> }> } }) => {
    expect(response.status).toBe(400);
    expect(response.body.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(response.body.data).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({});
  };

  it('runs a listed document sent by hash (APQ form)', async () => {
    const response = await postGraphQL(stack.gateway.url, { extensions: persisted(sha256Hex(LISTED)), variables: { id: company } });
    expect(response.status).toBe(200);
    expect(response.body.data.company).toMatchObject({ name: expect.any(String) });
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
  });

  it('runs a listed document sent by documentId, by POST and by GET', async () => {
    const byPost = await postGraphQL(stack.gateway.url, { documentId: `sha256:${sha256Hex(LISTED)}`, variables: { id: company } });
    expect(byPost.status).toBe(200);
    expect(byPost.body.data.company.id).toEqual(expect.any(String));
    const byGet = await getGraphQL(stack.gateway.url, { documentId: `sha256:${sha256Hex(LISTED)}`, variables: JSON.stringify({ id: company }) });
    expect(byGet.status).toBe(200);
    expect(byGet.body.data.company).toEqual(byPost.body.data.company);
  });

  it('keeps Apollo\'s CSRF rule for GET: no preflight header, no operation', async () => {
    const response = await getGraphQL(stack.gateway.url, { documentId: `sha256:${sha256Hex(LISTED)}`, variables: JSON.stringify({ id: company }) }, { csrfHeader: false });
    expect(response.status).toBe(400);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('runs the exact full text of a listed document', async () => {
    const response = await stack.query(LISTED, { id: company });
    expect(response.status).toBe(200);
    expect(response.body.data.company).not.toBeNull();
  });

  it('refuses any other full text, even the listed one reformatted', async () => {
    expectNotInList(await stack.query(UNLISTED, { id: company }));
    expectNotInList(await stack.query(`${LISTED} `, { id: company }));
    expectNotInList(await stack.query('{ __typename }'));
  });

  it('refuses unknown hashes and documentIds', async () => {
    expectNotInList(await postGraphQL(stack.gateway.url, { extensions: persisted(sha256Hex(UNLISTED)), variables: { id: company } }));
    expectNotInList(await postGraphQL(stack.gateway.url, { documentId: `sha256:${sha256Hex(UNLISTED)}`, variables: { id: company } }));
    expectNotInList(await getGraphQL(stack.gateway.url, { extensions: JSON.stringify(persisted(sha256Hex(UNLISTED))), variables: JSON.stringify({ id: company }) }));
  });

  it('refuses to register a new hash through APQ, and so cannot run it later', async () => {
    expectNotInList(await postGraphQL(stack.gateway.url, { query: UNLISTED, extensions: persisted(sha256Hex(UNLISTED)), variables: { id: company } }));
    expectNotInList(await postGraphQL(stack.gateway.url, { extensions: persisted(sha256Hex(UNLISTED)), variables: { id: company } }));
  });
});

describe('TRUSTED_DOCUMENTS_ONLY=true against every envelope an attacker can shape', () => {
  // Each request below tries to get text the manifest does not list past the check, in a shape
  // Apollo Server might read differently from the check. None may reach an upstream.
  let stack: Stack;
  const unlistedText = () => `{ company(id: ${company}) { name } }`;
  const COMMENTED = 'query Commented($id: Int!) { company(id: $id) { id } } # listed with this comment';
  beforeAll(async () => {
    LISTED = 'query Listed($id: Int!) { company(id: $id) { id name } }';
    const file = await writeManifest('sweep.json', manifest({ Listed: LISTED, Commented: COMMENTED }));
    stack = await startStack({ env: { TRUSTED_DOCUMENTS_FILE: file, TRUSTED_DOCUMENTS_ONLY: 'true' } });
    company = stack.sims.dataset.fixtures.unlinkedCompanyIds[0]!;
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounts());

  /** POST with this raw body and content type (and Apollo's CSRF header, so CSRF is not what stops it). */
  async function rawPost(body: string, contentType = 'application/json') {
    const response = await request(stack.gateway.url, { method: 'POST', headers: { 'content-type': contentType, 'apollo-require-preflight': 'true' }, body });
    const text = await response.body.text();
    return { status: response.statusCode, text };
  }
  async function rawGet(search: string, headers: Record<string, string> = {}) {
    const response = await request(`${stack.gateway.url}?${search}`, { headers: { 'apollo-require-preflight': 'true', ...headers } });
    return { status: response.statusCode, text: await response.body.text() };
  }
  const expectRefused = (response: { status: number; text: string }, codesAllowed = ['PERSISTED_QUERY_NOT_IN_LIST', 'PERSISTED_QUERY_HASH_MISMATCH', 'BAD_REQUEST']) => {
    expect(response.status).toBe(400);
    const body = JSON.parse(response.text) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    expect(body.data).toBeUndefined();
    expect(codesAllowed).toContain(body.errors?.[0]?.extensions?.code);
    expect(stack.upstreamRequests()).toEqual({});
  };
  const json = JSON.stringify;
  const pq = (hash: string, extra: Record<string, unknown> = {}) => ({ persistedQuery: { version: 1, sha256Hash: hash, ...extra } });

  it.each([
    ['extensions: null', () => json({ query: unlistedText(), extensions: null })],
    ['extensions: an array', () => json({ query: unlistedText(), extensions: [] })],
    ['extensions: a string', () => json({ query: unlistedText(), extensions: '{}' })],
    ['extensions.persistedQuery: null', () => json({ query: unlistedText(), extensions: { persistedQuery: null } })],
    ['query as an array', () => json({ query: [unlistedText()] })],
    ['query as a parsed document', () => json({ query: { kind: 'Document', definitions: [] } })],
    ['query: null with extensions: null', () => json({ query: null, extensions: null })],
    ['a batch of one', () => json([{ query: unlistedText() }])],
    ['a batch led by a listed document', () => json([{ query: LISTED, variables: { id: company } }, { query: unlistedText() }])],
    ['documentId and query together', () => json({ documentId: `sha256:${sha256Hex(LISTED)}`, query: unlistedText() })],
    ['documentId: null beside a query', () => json({ documentId: null, query: unlistedText() })],
    ['a listed hash beside unlisted text', () => json({ query: unlistedText(), extensions: pq(sha256Hex(LISTED)) })],
    ['a listed hash with extra fields beside unlisted text', () => json({ query: unlistedText(), extensions: pq(sha256Hex(LISTED), { query: unlistedText() }) })],
    ['the unlisted text\'s own hash', () => json({ query: unlistedText(), extensions: pq(sha256Hex(unlistedText())) })],
    ['a duplicate `query` key (JSON keeps the last)', () => `{"query":${json(LISTED)},"query":${json(unlistedText())}}`],
    ['a `__proto__` key holding the query', () => `{"__proto__":{"query":${json(unlistedText())}}}`],
    ['a duplicate `extensions` key ending in null', () => `{"query":${json(unlistedText())},"extensions":{},"extensions":null}`],
  ])('POST %s: refused, no upstream call', async (_case, body) => {
    expectRefused(await rawPost(body()));
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['application/graphql', 'application/graphql'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['application/json with a charset', 'application/json; charset=utf-8'],
    ['application/graphql-response+json', 'application/graphql-response+json'],
  ])('POST as %s: unlisted text refused, no upstream call', async (_case, contentType) => {
    const body = contentType === 'application/x-www-form-urlencoded' ? new URLSearchParams({ query: unlistedText() }).toString() : contentType === 'application/graphql' ? unlistedText() : json({ query: unlistedText(), extensions: null });
    expectRefused(await rawPost(body, contentType));
  });

  it.each([
    ['extensions=null', () => new URLSearchParams({ query: unlistedText(), extensions: 'null' })],
    ['extensions="null"', () => new URLSearchParams({ query: unlistedText(), extensions: '"null"' })],
    ['extensions=[]', () => new URLSearchParams({ query: unlistedText(), extensions: '[]' })],
    ['extensions as an array of a listed persisted query', () => new URLSearchParams({ query: unlistedText(), extensions: json([pq(sha256Hex(LISTED))]) })],
    ['extensions that are not JSON', () => new URLSearchParams({ query: unlistedText(), extensions: '{' })],
    ['query given twice, listed first', () => new URLSearchParams([['query', LISTED], ['query', unlistedText()]])],
    ['query given twice, unlisted first', () => new URLSearchParams([['query', unlistedText()], ['query', LISTED]])],
    ['extensions given twice, listed hash first', () => new URLSearchParams([['query', unlistedText()], ['extensions', json(pq(sha256Hex(LISTED)))], ['extensions', '{}']])],
    ['documentId and query together', () => new URLSearchParams({ documentId: `sha256:${sha256Hex(LISTED)}`, query: unlistedText() })],
    ['documentId given twice beside a query', () => new URLSearchParams([['documentId', `sha256:${sha256Hex(LISTED)}`], ['documentId', 'x'], ['query', unlistedText()]])],
    ['a listed hash beside unlisted text', () => new URLSearchParams({ query: unlistedText(), extensions: json(pq(sha256Hex(LISTED))) })],
  ])('GET %s: refused, no upstream call', async (_case, params) => {
    expectRefused(await rawGet(params().toString()));
  });

  it('GET with a JSON content type: unlisted text refused, no upstream call', async () => {
    expectRefused(await rawGet(new URLSearchParams({ query: unlistedText() }).toString(), { 'content-type': 'application/json' }));
  });

  /** GET over a raw socket: undici drops a `#…` from the URL, but a client writing HTTP by hand need not. */
  function rawSocketGet(target: string): Promise<{ status: number; text: string }> {
    const { port } = new URL(stack.gateway.url);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nApollo-Require-Preflight: true\r\nConnection: close\r\n\r\n`);
      });
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const at = raw.indexOf('\r\n\r\n');
        resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1]), text: raw.slice(at + 4) });
      });
    });
  }

  it('GET with a `#` in the query string: the check reads exactly what Apollo reads (up to the `#`)', async () => {
    const path = new URL(stack.gateway.url).pathname;
    // A listed document with a comment: sent raw, Apollo reads only the text before its `#`,
    // which is not the listed document, so the check must not see the whole of it either.
    const hash = COMMENTED.indexOf('#');
    expectRefused(await rawSocketGet(`${path}?variables=${encodeURIComponent(json({ id: company }))}&query=${encodeURIComponent(COMMENTED.slice(0, hash))}#${encodeURIComponent(COMMENTED.slice(hash + 1))}`));
    // Unlisted text before a `#`, listed text after it: refused.
    expectRefused(await rawSocketGet(`${path}?query=${encodeURIComponent(unlistedText())}#&query=${encodeURIComponent(LISTED)}`));
    // Listed text before a `#`: what both read is the listed document, which runs.
    const listed = await rawSocketGet(`${path}?query=${encodeURIComponent(LISTED)}&variables=${encodeURIComponent(json({ id: company }))}#&query=${encodeURIComponent(unlistedText())}`);
    expect(listed.status).toBe(200);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
  });

  it('still runs a listed document by hash with extra persistedQuery fields and null variables-free extensions', async () => {
    const response = await rawPost(json({ extensions: pq(sha256Hex(LISTED), { note: 'x' }), variables: { id: company } }));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).data.company).toMatchObject({ name: expect.any(String) });
    const nullExtensions = await rawPost(json({ query: LISTED, variables: { id: company }, extensions: null }));
    expect(nullExtensions.status).toBe(200);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 2 });
  });

  it('refuses other methods without running anything', async () => {
    const response = await request(stack.gateway.url, { method: 'PUT', headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' }, body: json({ query: unlistedText() }) });
    await response.body.text();
    expect(response.statusCode).toBe(405);
    expect(stack.upstreamRequests()).toEqual({});
  });
});

describe('a manifest without TRUSTED_DOCUMENTS_ONLY', () => {
  let stack: Stack;
  const body = 'query Listed($id: Int!) { company(id: $id) { id name } }';
  beforeAll(async () => {
    const file = await writeManifest('open.json', manifest({ Listed: body }));
    stack = await startStack({ env: { TRUSTED_DOCUMENTS_FILE: file } });
  });
  afterAll(() => stack.close());

  it('resolves listed hashes, and lets other text and APQ registration through', async () => {
    const id = stack.sims.dataset.fixtures.unlinkedCompanyIds[0]!;
    expect((await postGraphQL(stack.gateway.url, { extensions: persisted(sha256Hex(body)), variables: { id } })).status).toBe(200);
    const other = '{ __typename }';
    expect((await stack.query(other)).status).toBe(200);
    // APQ as Apollo Client does it: the hash alone first, then hash and text.
    const first = await postGraphQL(stack.gateway.url, { extensions: persisted(sha256Hex(other)) });
    expect(codes(first)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await postGraphQL(stack.gateway.url, { query: other, extensions: persisted(sha256Hex(other)) })).status).toBe(200);
    expect((await postGraphQL(stack.gateway.url, { extensions: persisted(sha256Hex(other)) })).body.data).toEqual({ __typename: 'Query' });
    // documentId is resolved from the manifest only.
    const unknown = await postGraphQL(stack.gateway.url, { documentId: `sha256:${sha256Hex(other)}` });
    expect(unknown.status).toBe(400);
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
  });
});

describe('malformed persisted-query requests get client codes, in production too', () => {
  let stack: Stack;
  const logs = capturedLogger();
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production', SIMULATORS: 'true' }, gateway: { logger: logs.logger } });
  });
  afterAll(() => stack.close());

  const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['an APQ hash that is not the query\'s', { query: '{ __typename }', extensions: persisted(sha256Hex('{ other }')) }, 'PERSISTED_QUERY_HASH_MISMATCH', /not the SHA-256 of the `query`/],
    ['an APQ version other than 1', { query: '{ __typename }', extensions: persisted(sha256Hex('{ __typename }'), 2) }, 'BAD_REQUEST', /version 2 is not supported/],
    ['an APQ version missing', { extensions: { persistedQuery: { sha256Hash: sha256Hex('{ __typename }') } } }, 'BAD_REQUEST', /version null is not supported/],
    ['an APQ hash that is not hex', { extensions: persisted('not-a-hash') }, 'BAD_REQUEST', /64 hex digits/],
    ['a persistedQuery that is not an object', { extensions: { persistedQuery: 'abc' } }, 'BAD_REQUEST', /must be an object/],
    ['a malformed documentId', { documentId: 'md5:abc' }, 'BAD_REQUEST', /"sha256:"/],
    ['documentId and query together', { documentId: `sha256:${sha256Hex('{ __typename }')}`, query: '{ __typename }' }, 'BAD_REQUEST', /either `documentId` or `query`/],
    ['a documentId without a manifest', { documentId: `sha256:${sha256Hex('{ __typename }')}` }, 'PERSISTED_QUERY_NOT_SUPPORTED', /no trusted documents list/],
  ];

  it.each(cases)('%s: HTTP 400 with its code and a readable message, not logged as an error', async (_case, body, code, message) => {
    const before = logs.lines.length;
    const response = await postGraphQL(stack.gateway.url, body);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual([code]);
    expect(response.body.errors![0]!.message).toMatch(message);
    const errors = logs.lines.slice(before).map((line) => JSON.parse(line) as { level: number }).filter((entry) => entry.level >= 50);
    expect(errors).toEqual([]);
  });

  it('accepts an upper-case hash as Apollo\'s lower-case one', async () => {
    const query = '{ __typename }';
    const response = await postGraphQL(stack.gateway.url, { query, extensions: persisted(sha256Hex(query).toUpperCase()) });
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ __typename: 'Query' });
  });
});

describe('the manifest file', () => {
  // Nothing listens at the upstream addresses: a start that fails must open nothing.
  const start = (file: string) =>
    startGateway({
      config: loadConfig({ PORT: '0', HOST: '127.0.0.1', CACHE_ENABLED: 'false', TRUSTED_DOCUMENTS_FILE: file }),
      upstreams: { iqmetrix: { url: 'http://127.0.0.1:9/v1', token: 't', maxInFlight: 1 }, inspectorio: { url: 'http://127.0.0.1:9', apiKey: 'k', maxInFlight: 1 } },
    });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['another format', { format: 'something-else', version: 1, operations: [] }, /not an Apollo persisted query manifest/],
    ['an id that is not the body\'s hash', { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex('{ a }'), name: 'A', type: 'query', body: '{ b }' }] }, /is not the SHA-256 of its body/],
  ])('stops the start when it is %s', async (_case, content, message) => {
    const file = await writeManifest(`bad-${Math.random().toString(36).slice(2)}.json`, content);
    const failure = await start(file).then(
      async (gateway) => {
        await gateway.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([expect.stringMatching(message)]);
  });

  it('stops the start when it is missing', async () => {
    await expect(start(path.join(dir, 'missing.json'))).rejects.toThrow(/TRUSTED_DOCUMENTS_FILE .*missing\.json: cannot be read \(ENOENT\)/);
  });
});

describe('the example frontend\'s manifest', () => {
  it('is what `npm run persisted-queries:frontend` generates, and the gateway runs every operation of it by hash from Apollo Client', async () => {
    // Generate into a temporary file with the example's own settings.
    const config = path.join(dir, 'pqm.config.json');
    const output = path.join(dir, 'generated-manifest.json');
    await writeFile(config, JSON.stringify({ documents: ['src/**/*.ts', '!src/gql/**'], output }));
    await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/generate-persisted-query-manifest'), ['--config', config], { cwd: path.join(ROOT, 'examples/frontend') });

    // The copy in the repository is current (rerun `npm run persisted-queries:frontend` after changing an operation).
    const committed = JSON.parse(await readFile(path.join(ROOT, 'examples/frontend/persisted-query-manifest.json'), 'utf8'));
    expect(JSON.parse(await readFile(output, 'utf8'))).toEqual(committed);

    const stack = await startStack({ env: { TRUSTED_DOCUMENTS_FILE: output, TRUSTED_DOCUMENTS_ONLY: 'true' } });
    const sent: unknown[] = [];
    const client = createApolloClient(
      stack.gateway.url,
      (input, init) => {
        sent.push(JSON.parse(String(init?.body)));
        return fetch(input, init);
      },
      { persistedQueries: true },
    );
    try {
      const id = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
      const { data } = await client.query({ query: CompanyQuery, variables: { id } });
      expect(data?.company?.companyId).toBe(id);
      const page = await client.query({ query: PartnerCompaniesQuery, variables: { partnerId: stack.sims.dataset.fixtures.bigPartnerId, first: 2 } });
      expect(page.data?.partner?.companyRelationships.edges).toHaveLength(2);
      // By hash only: no text went over the wire, and nothing had to be registered.
      expect(sent).toHaveLength(2);
      for (const body of sent) expect(body).not.toHaveProperty('query');
      // Text a client makes up is still refused.
      expect(codes(await stack.query('{ __typename }'))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    } finally {
      client.stop();
      await stack.close();
    }
  });
});
