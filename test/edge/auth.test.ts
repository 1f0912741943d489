import { loadConfig } from '../../src/config.js';
import { codes, startStack, type Stack } from '../helpers/stack.js';
import { configProblems } from '../helpers/config.js';
import { request } from 'undici';
import { AUDIENCE, authEnv, capturedLogger, getGraphQL, ISSUER, recordingProxy, startJwks, unsignedToken, type JwksServer, type RecordingProxy, type SigningKey } from './helpers.js';

// JWT authentication at the edge (AUTH_JWKS_URL, AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE,
// AUTH_REQUIRED), over real HTTP, with the key set served by a local identity provider.

/** One upstream call: GET /Companies({id}). */
const companyQuery = (stack: Stack) => `{ company(id: ${stack.sims.dataset.fixtures.unlinkedCompanyIds[0]}) { id name } }`;
const now = () => Math.floor(Date.now() / 1000);

let jwks: JwksServer;
let rsa: SigningKey;
let ec: SigningKey;

beforeAll(async () => {
  jwks = await startJwks();
  rsa = await jwks.addKey('RS256');
  ec = await jwks.addKey('ES256');
});
afterAll(() => jwks.close());

describe('with AUTH_REQUIRED=true', () => {
  let stack: Stack;
  let iqProxy: RecordingProxy;
  let inspProxy: RecordingProxy;
  const logs = capturedLogger();

  beforeAll(async () => {
    iqProxy = await recordingProxy();
    inspProxy = await recordingProxy();
    stack = await startStack({
      env: authEnv(jwks),
      gateway: { logger: logs.logger },
      targets: (sims, defaults) => ({
        iqmetrix: { ...defaults.iqmetrix, url: iqProxy.urlFor(sims.iqmetrix.url) },
        inspectorio: { ...defaults.inspectorio, url: inspProxy.urlFor(sims.inspectorio.url) },
      }),
    });
  });
  afterAll(async () => {
    await stack?.close();
    await iqProxy?.close();
    await inspProxy?.close();
  });
  beforeEach(() => stack.resetCounts());

  it('runs the operation for a valid RS256 token and for a valid ES256 token', async () => {
    for (const key of [rsa, ec]) {
      const token = await key.sign();
      const response = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${token}` });
      expect(response.status).toBe(200);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.company).toMatchObject({ id: expect.any(String) });
    }
  });

  const refusals: Array<[string, () => Promise<Record<string, string>>, RegExp]> = [
    ['no Authorization header', async () => ({}), /needs a token/],
    ['a scheme other than Bearer', async () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }), /must be `Bearer <JWT>`/],
    ['an expired token', async () => ({ authorization: `Bearer ${await rsa.sign({ exp: now() - 3600, iat: now() - 7200 })}` }), /expired/],
    ['a token that is not valid yet', async () => ({ authorization: `Bearer ${await rsa.sign({ nbf: now() + 3600 })}` }), /not valid yet/],
    ['a token signed by an unknown key', async () => ({ authorization: `Bearer ${await (await jwks.addKey('RS256', { publish: false })).sign()}` }), /key this gateway does not know/],
    ['a token from another issuer', async () => ({ authorization: `Bearer ${await rsa.sign({ iss: 'https://evil.example/' })}` }), /issuer/],
    ['a token for another audience', async () => ({ authorization: `Bearer ${await ec.sign({ aud: 'https://other-api.example' })}` }), /audience/],
    ['a token without an expiry', async () => ({ authorization: `Bearer ${await rsa.sign({ exp: undefined })}` }), /`exp`/],
    ['an unsigned token (alg: none)', async () => ({ authorization: `Bearer ${unsignedToken({})}` }), /algorithm is not accepted|malformed/],
    ['a malformed token', async () => ({ authorization: 'Bearer not.a.jwt' }), /malformed/],
    ['a token whose signature was tampered with', async () => {
      const [header, payload, signature] = (await rsa.sign()).split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'admin' })).toString('base64url');
      return { authorization: `Bearer ${header}.${forged}.${signature}` };
    }, /signature is not valid/],
  ];

  it.each(refusals)('refuses %s with 401 UNAUTHENTICATED, a WWW-Authenticate challenge and no upstream call', async (_case, headers, message) => {
    const response = await stack.query(companyQuery(stack), undefined, await headers());
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    expect(response.body.errors![0]!.message).toMatch(message);
    expect(response.body.data).toBeUndefined();
    expect(String(response.headers['www-authenticate'])).toMatch(/^Bearer realm="graphql"/);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('never passes the token to an upstream nor writes it to a log', async () => {
    const token = await rsa.sign({ sub: 'user-logs' });
    const company = stack.sims.dataset.fixtures.linkedCompanyIds[0]!;
    const response = await stack.query(`{ company(id: ${company}) { name organization { name } } }`, undefined, { authorization: `Bearer ${token}` });
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    const received = [...iqProxy.received, ...inspProxy.received];
    expect(received.length).toBeGreaterThan(0);
    for (const headers of received) expect(JSON.stringify(headers)).not.toContain(token);
    // iQmetrix still gets the gateway's own credential, not the caller's token.
    expect(stack.sims.iqmetrix.requests.entries().every((e) => e.credential !== token)).toBe(true);

    const refused = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await rsa.sign({ aud: 'elsewhere' })}` });
    expect(refused.status).toBe(401);
    expect(logs.lines.length).toBeGreaterThan(0);
    const written = logs.lines.join('\n');
    expect(written).not.toContain(token);
    expect(written).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});

describe('when the key set cannot be fetched', () => {
  it('answers 503 UPSTREAM_UNAVAILABLE (not the caller\'s fault), with no upstream call', async () => {
    // Port 1 refuses at once. (Closing a JWKS server of our own would free an ephemeral port that
    // the stack's simulators could then take, and the key-set fetch would reach them.)
    const gone = await startJwks();
    await gone.close();
    const stack = await startStack({ env: { ...authEnv(gone), AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json' } });
    try {
      const response = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await rsa.sign()}` });
      expect(response.status).toBe(503);
      expect(codes(response)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(response.headers['retry-after']).toBe('5');
      expect(stack.upstreamRequests()).toEqual({});
    } finally {
      await stack.close();
    }
  });
});

describe('an identity-provider outage (stale-if-error)', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps verifying with the keys fetched last, and fetches no more until the backoff is over', async () => {
    const idp = await startJwks();
    const known = await idp.addKey('RS256');
    // Keys are stale after 1 s; after a failed fetch the next attempt waits a minute (the cooldown).
    const stack = await startStack({ env: authEnv(idp, { AUTH_JWKS_MAX_AGE_MS: '1000', AUTH_JWKS_COOLDOWN_MS: '60000' }) });
    const ask = async (key: SigningKey) => stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await key.sign()}` });
    try {
      expect((await ask(known)).status).toBe(200);
      expect(idp.fetches).toBe(1);

      idp.failing = true;
      await sleep(1_100);
      const during = [];
      for (let i = 0; i < 5; i++) during.push((await ask(known)).status);
      expect(during).toEqual([200, 200, 200, 200, 200]);
      // One attempt failed; the four after it used the held keys without fetching.
      expect(idp.fetches).toBe(2);
      // A key the gateway never saw is still refused as the token's fault, not a 503.
      const stranger = await idp.addKey('ES256', { publish: false });
      expect((await ask(stranger)).status).toBe(401);
      expect(idp.fetches).toBe(2);
      expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 6 });
    } finally {
      await stack.close();
      await idp.close();
    }
  });

  it('fetches again once the backoff is over, and picks up new keys when the provider is back', async () => {
    const idp = await startJwks();
    const known = await idp.addKey('RS256');
    const stack = await startStack({ env: authEnv(idp, { AUTH_JWKS_MAX_AGE_MS: '1000', AUTH_JWKS_COOLDOWN_MS: '1000' }) });
    const ask = async (key: SigningKey) => stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await key.sign()}` });
    try {
      expect((await ask(known)).status).toBe(200);
      idp.failing = true;
      await sleep(1_100);
      expect((await ask(known)).status).toBe(200);
      expect(idp.fetches).toBe(2);

      idp.failing = false;
      const rotated = await idp.addKey('ES256');
      await sleep(1_100);
      const after = await ask(rotated);
      expect(after.status).toBe(200);
      expect(after.body.data.company).not.toBeNull();
      expect(idp.fetches).toBe(3);
    } finally {
      await stack.close();
      await idp.close();
    }
  });

  it('before any fetch has succeeded, answers 503 without a fetch per request after the first failure', async () => {
    const idp = await startJwks();
    const key = await idp.addKey('RS256');
    idp.failing = true;
    const stack = await startStack({ env: authEnv(idp, { AUTH_JWKS_COOLDOWN_MS: '60000' }) });
    try {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await key.sign()}` }));
      expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503, 503]);
      expect(answers.map((a) => codes(a)[0])).toEqual(Array(5).fill('UPSTREAM_UNAVAILABLE'));
      expect(idp.fetches).toBe(1);
      // The later answers say when the next attempt is due.
      expect(Number(answers[4]!.headers['retry-after'])).toBeGreaterThan(50);
      expect(stack.upstreamRequests()).toEqual({});
    } finally {
      await stack.close();
      await idp.close();
    }
  });
});

describe('the landing page', () => {
  it('is served without a token, while the operations it sends need one', async () => {
    const stack = await startStack({ env: authEnv(jwks, { LANDING_PAGE: 'true' }) });
    try {
      const page = await request(stack.gateway.url, { headers: { accept: 'text/html' } });
      expect(page.statusCode).toBe(200);
      expect(await page.body.text()).toMatch(/<html/i);
      const operation = await getGraphQL(stack.gateway.url, { query: '{ __typename }' });
      expect(operation.status).toBe(401);
    } finally {
      await stack.close();
    }
  });
});

describe('key rotation', () => {
  it('accepts a token signed by a key added to the key set after start, fetching the set again', async () => {
    const rotating = await startJwks();
    const first = await rotating.addKey('RS256');
    // The least cooldown (1 s): an unknown kid refetches once the keys are a second old.
    const stack = await startStack({ env: authEnv(rotating, { AUTH_JWKS_COOLDOWN_MS: '1000' }) });
    try {
      expect((await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await first.sign()}` })).status).toBe(200);
      expect(rotating.fetches).toBe(1);
      const next = await rotating.addKey('ES256');
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const response = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await next.sign()}` });
      expect(response.status).toBe(200);
      expect(response.body.data.company).not.toBeNull();
      expect(rotating.fetches).toBe(2);
      // The old key still works: both are published.
      expect((await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await first.sign()}` })).status).toBe(200);
      expect(rotating.fetches).toBe(2);
    } finally {
      await stack.close();
      await rotating.close();
    }
  });

  it('fetches the key set for unknown kids at most once per cooldown', async () => {
    const idp = await startJwks();
    const known = await idp.addKey('RS256');
    const stack = await startStack({ env: authEnv(idp, { AUTH_JWKS_COOLDOWN_MS: '600000' }) });
    try {
      expect((await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await known.sign()}` })).status).toBe(200);
      expect(idp.fetches).toBe(1);
      for (let i = 0; i < 10; i++) {
        const stranger = await idp.addKey('RS256', { publish: false });
        const response = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await stranger.sign()}` });
        expect(response.status).toBe(401);
        expect(codes(response)).toEqual(['UNAUTHENTICATED']);
      }
      expect(idp.fetches).toBe(1);
      expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
    } finally {
      await stack.close();
      await idp.close();
    }
  });
});

describe('with AUTH_REQUIRED unset', () => {
  it('lets anonymous requests through but still refuses a bad token', async () => {
    const { AUTH_REQUIRED: _required, ...env } = authEnv(jwks);
    const stack = await startStack({ env });
    try {
      expect((await stack.query(companyQuery(stack))).status).toBe(200);
      expect((await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await rsa.sign()}` })).status).toBe(200);
      stack.resetCounts();
      const bad = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await rsa.sign({ iss: 'https://evil.example/' })}` });
      expect(bad.status).toBe(401);
      expect(codes(bad)).toEqual(['UNAUTHENTICATED']);
      expect(stack.upstreamRequests()).toEqual({});
    } finally {
      await stack.close();
    }
  });
});

describe('with AUTH_MODE=passthrough', () => {
  it('reads the gateway JWT from X-Gateway-Authorization, and forwards only the iQmetrix token in Authorization', async () => {
    const stack = await startStack({ env: authEnv(jwks, { AUTH_MODE: 'passthrough' }) });
    try {
      const jwt = await ec.sign();
      const iqToken = 'caller-iqmetrix-token';
      // The simulator accepts its own token only; a pass-through caller sends it as theirs.
      const { SIM_IQMETRIX_TOKEN } = await import('../../src/sim/index.js');
      const ok = await stack.query(companyQuery(stack), undefined, { 'x-gateway-authorization': `Bearer ${jwt}`, authorization: `Bearer ${SIM_IQMETRIX_TOKEN}` });
      expect(ok.status).toBe(200);
      expect(ok.body.data.company).not.toBeNull();
      expect(stack.sims.iqmetrix.requests.entries().map((e) => e.credential)).toEqual([SIM_IQMETRIX_TOKEN]);

      stack.resetCounts();
      // The iQmetrix token alone does not authenticate to the gateway.
      const refused = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${iqToken}` });
      expect(refused.status).toBe(401);
      expect(refused.body.errors![0]!.message).toMatch(/X-Gateway-Authorization/);
      // Nor does the gateway JWT in Authorization.
      expect((await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${jwt}` })).status).toBe(401);
      expect(stack.upstreamRequests()).toEqual({});
    } finally {
      await stack.close();
    }
  });
});

describe('with AUTH_MODE=passthrough and AUTH_REQUIRED unset', () => {
  it('treats Authorization as the caller\'s iQmetrix credential only: a gateway JWT sent there authenticates nothing and is forwarded to iQmetrix as that credential', async () => {
    const { AUTH_REQUIRED: _required, ...env } = authEnv(jwks, { AUTH_MODE: 'passthrough' });
    const stack = await startStack({ env });
    try {
      const jwt = await ec.sign();
      const response = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${jwt}` });
      // Anonymous at the gateway (no X-Gateway-Authorization); iQmetrix refuses the credential.
      expect(response.body.data?.company ?? null).toBeNull();
      expect(response.body.errors?.length).toBeGreaterThan(0);
      expect(stack.sims.iqmetrix.requests.entries().map((e) => e.credential)).toEqual([jwt]);
    } finally {
      await stack.close();
    }
  });
});

describe('configuration', () => {
  it('reads the settings, with the pass-through header', () => {
    const config = loadConfig({ AUTH_JWKS_URL: 'https://login.example/jwks', AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: `${AUDIENCE}, https://b.example`, AUTH_REQUIRED: 'true' });
    expect(config.edge.auth).toMatchObject({ jwksUrl: 'https://login.example/jwks', issuer: [ISSUER], audience: [AUDIENCE, 'https://b.example'], required: true, header: 'authorization' });
    expect(loadConfig({ AUTH_MODE: 'passthrough', AUTH_JWKS_URL: 'https://login.example/jwks', AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE }).edge.auth?.header).toBe('x-gateway-authorization');
    expect(loadConfig({}).edge.auth).toBeUndefined();
  });

  it('refuses incomplete or unsafe settings', () => {
    expect(configProblems({ AUTH_REQUIRED: 'true' })).toEqual([expect.stringMatching(/AUTH_REQUIRED=true needs AUTH_JWKS_URL/)]);
    expect(configProblems({ AUTH_JWKS_URL: 'https://login.example/jwks' })).toEqual([
      expect.stringMatching(/AUTH_JWT_ISSUER must be set/),
      expect.stringMatching(/AUTH_JWT_AUDIENCE must be set/),
    ]);
    expect(configProblems({ AUTH_JWKS_URL: 'http://login.example/jwks', AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE })).toEqual([expect.stringMatching(/AUTH_JWKS_URL must be https/)]);
    expect(configProblems({ AUTH_JWT_AUDIENCE: AUDIENCE })).toEqual([expect.stringMatching(/only with AUTH_JWKS_URL/)]);
    // No cooldown would let made-up kids refetch the key set on every request.
    expect(configProblems({ AUTH_JWKS_URL: 'https://login.example/jwks', AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_JWKS_COOLDOWN_MS: '0' })).toEqual([expect.stringMatching(/AUTH_JWKS_COOLDOWN_MS/)]);
  });
});
