import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { sha256Hex } from '../../src/edge/index.js';
import { codes, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { authEnv, capturedLogger, startJwks, type JwksServer, type SigningKey } from './helpers.js';

// Every edge refusal (JWT, rate limit, trusted documents) is logged at info without the query
// text or the credentials, and counted by code in gateway_edge_refusals_total on /metrics.

const LISTED = 'query Listed($id: Int!) { company(id: $id) { id name } }';
const UNLISTED = 'query SecretLookup($id: Int!) { company(id: $id) { id name displayName } }';

describe('edge refusals', () => {
  let dir: string;
  let jwks: JwksServer;
  let key: SigningKey;
  let stack: Stack;
  const logs = capturedLogger();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'edge-refusals-'));
    const file = path.join(dir, 'manifest.json');
    await writeFile(file, JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha256Hex(LISTED), name: 'Listed', type: 'query', body: LISTED }] }));
    jwks = await startJwks();
    key = await jwks.addKey('ES256');
    stack = await startStack({
      env: authEnv(jwks, { RATE_LIMIT_PER_MINUTE: '3', TRUSTED_DOCUMENTS_FILE: file, TRUSTED_DOCUMENTS_ONLY: 'true' }),
      gateway: { logger: logs.logger },
    });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function refusalCounts(): Promise<Record<string, number>> {
    const response = await request(new URL('/metrics', stack.gateway.url));
    expect(response.statusCode).toBe(200);
    const text = await response.body.text();
    expect(text).toContain('# TYPE gateway_edge_refusals_total counter');
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^gateway_edge_refusals_total\{code="([A-Z_]+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
    return counts;
  }

  it('logs each at info and counts it by code', async () => {
    expect(await refusalCounts()).toEqual({});
    const company = stack.sims.dataset.fixtures.unlinkedCompanyIds[0]!;
    const token = await key.sign({ sub: 'subject-7' });
    const bearer = { authorization: `Bearer ${token}` };

    // No token: 401, before the rate limit counts anything.
    const anonymous = await stack.query(LISTED, { id: company });
    expect(anonymous.status).toBe(401);
    expect(codes(anonymous)).toEqual(['UNAUTHENTICATED']);

    // Unlisted text, then an unlisted documentId: 400 each (the rate limit counts 2 of 3).
    const unlisted = await stack.query(UNLISTED, { id: company }, bearer);
    expect(unlisted.status).toBe(400);
    expect(codes(unlisted)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    const unknownId = await postGraphQL(stack.gateway.url, { documentId: `sha256:${sha256Hex(UNLISTED)}`, operationName: 'ByHash', variables: { id: company } }, bearer);
    expect(codes(unknownId)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    // The listed document runs (3 of 3); the next request is over the limit.
    expect((await stack.query(LISTED, { id: company }, bearer)).status).toBe(200);
    const limited = await stack.query(LISTED, { id: company }, bearer);
    expect(limited.status).toBe(429);
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });

    expect(await refusalCounts()).toEqual({ UNAUTHENTICATED: 1, PERSISTED_QUERY_NOT_IN_LIST: 2, RATE_LIMITED: 1 });

    const entries = logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const refusals = entries.filter((entry) => typeof entry.msg === 'string' && entry.msg.startsWith('request refused'));
    expect(refusals.map((entry) => [entry.level, entry.msg])).toEqual([
      [30, 'request refused: not authenticated'],
      [30, 'request refused: not a trusted document'],
      [30, 'request refused: not a trusted document'],
      [30, 'request refused: rate limit'],
    ]);
    // A trusted-document refusal names the document by its hash and the operation name sent with it.
    expect(refusals[1]).toMatchObject({ code: 'PERSISTED_QUERY_NOT_IN_LIST', sha256: sha256Hex(UNLISTED) });
    expect(refusals[2]).toMatchObject({ code: 'PERSISTED_QUERY_NOT_IN_LIST', sha256: sha256Hex(UNLISTED), operationName: 'ByHash' });
    // Never the text of the refused query, nor the token.
    const written = logs.lines.join('\n');
    expect(written).not.toContain('displayName');
    expect(written).not.toContain(token);
  });
});
