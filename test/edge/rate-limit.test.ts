import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { configProblems } from '../helpers/config.js';
import { spawnGateway, type GatewayProcess } from '../helpers/child-gateway.js';
import { describeWith, redisUrl } from '../helpers/services.js';
import { codes, postGraphQL, startStack, type Stack } from '../helpers/stack.js';
import { addressKey } from '../../src/edge/rate-limit/index.js';
import { authEnv, ISSUER, startJwks, type JwksServer } from './helpers.js';

// RATE_LIMIT_PER_MINUTE over real HTTP: per remote address, per JWT subject, and shared by
// replicas through Redis. A refused request reaches no upstream.

/** One upstream call: GET /Companies({id}). */
const companyQuery = (stack: Stack) => `{ company(id: ${stack.sims.dataset.fixtures.unlinkedCompanyIds[0]}) { id name } }`;

/** POST from another local address (node:http: undici does not bind a local address), so that the gateway sees another client. */
function postFrom(localAddress: string, url: string, query: string): Promise<{ status: number; body: { data?: any } }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { data?: any } }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

/** POST with headers from another local address. */
function postWith(localAddress: string, url: string, query: string, headers: Record<string, string>): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

describe('per remote address', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => stack.close());

  it('answers 429 RATE_LIMITED with Retry-After once a client is over the limit, calls no upstream, and leaves other clients alone', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await stack.query(companyQuery(stack));
      expect(response.status).toBe(200);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(response.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 3 });
    stack.resetCounts();

    const refused = await stack.query(companyQuery(stack));
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.body.data).toBeUndefined();
    const retryAfter = Number(refused.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(refused.body.errors![0]!.extensions!.retryAfterSeconds).toBe(retryAfter);
    expect(stack.upstreamRequests()).toEqual({});

    // Another address has its own count.
    const other = await postFrom('127.0.0.2', stack.gateway.url, companyQuery(stack));
    expect(other.status).toBe(200);
    expect(other.body.data.company).not.toBeNull();
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 1 });
  });
});

describe('behind a proxy', () => {
  it('ignores X-Forwarded-For unless TRUST_PROXY names the proxy, so a client cannot shed its count', async () => {
    const stack = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      expect((await stack.query('{ __typename }', undefined, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
      expect((await stack.query('{ __typename }', undefined, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
    } finally {
      await stack.close();
    }
  });

  it('counts each forwarded address apart with TRUST_PROXY=loopback', async () => {
    const stack = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: 'loopback' } });
    try {
      expect((await stack.query('{ __typename }', undefined, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
      expect((await stack.query('{ __typename }', undefined, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
      expect((await stack.query('{ __typename }', undefined, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(429);
    } finally {
      await stack.close();
    }
  });

  it('refuses a TRUST_PROXY it cannot read', () => {
    expect(configProblems({ TRUST_PROXY: 'true' })).toEqual([expect.stringMatching(/TRUST_PROXY must be/)]);
    expect(configProblems({ TRUST_PROXY: '10.0.0.0/8, loopback' })).toEqual([]);
    expect(configProblems({ TRUST_PROXY: '2' })).toEqual([]);
  });
});

describe('per JWT subject', () => {
  let jwks: JwksServer;
  let stack: Stack;
  beforeAll(async () => {
    jwks = await startJwks();
    stack = await startStack({ env: authEnv(jwks, { RATE_LIMIT_PER_MINUTE: '2' }) });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it('counts each subject apart, whatever address it calls from', async () => {
    const key = await jwks.addKey('ES256');
    const alice = { authorization: `Bearer ${await key.sign({ sub: 'alice' })}` };
    const bob = { authorization: `Bearer ${await key.sign({ sub: 'bob' })}` };
    expect((await stack.query(companyQuery(stack), undefined, alice)).status).toBe(200);
    expect((await stack.query(companyQuery(stack), undefined, alice)).status).toBe(200);
    stack.resetCounts();
    const refused = await stack.query(companyQuery(stack), undefined, alice);
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(stack.upstreamRequests()).toEqual({});
    // Same address, other subject: unaffected.
    expect((await stack.query(companyQuery(stack), undefined, bob)).status).toBe(200);
    // A token minted again for alice is still alice.
    expect((await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await key.sign({ sub: 'alice' })}` })).status).toBe(429);
  });
});

describe('token refusals', () => {
  let jwks: JwksServer;
  let stack: Stack;
  beforeAll(async () => {
    jwks = await startJwks();
    stack = await startStack({ env: authEnv(jwks, { RATE_LIMIT_PER_MINUTE: '3', AUTH_JWT_ISSUER: `${ISSUER},https://other-idp.test.example/` }) });
  });
  afterAll(async () => {
    await stack.close();
    await jwks.close();
  });

  it('limits junk tokens per address: 401 up to the limit, then 429 without checking the token, and no JWKS fetch for made-up kids', async () => {
    const junk = { authorization: 'Bearer not.a.jwt' };
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await stack.query(companyQuery(stack), undefined, junk)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const key = await jwks.addKey('RS256', { publish: false });
    const fetchesBefore = jwks.fetches;
    const refused = await stack.query(companyQuery(stack), undefined, { authorization: `Bearer ${await key.sign()}` });
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(jwks.fetches).toBe(fetchesBefore);
    // Another address is not affected.
    const other = await postFrom('127.0.0.3', stack.gateway.url, companyQuery(stack));
    expect(other.status).toBe(401);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('counts a subject per issuer: the same `sub` from two issuers is two clients', async () => {
    const key = await jwks.addKey('ES256');
    const first = { authorization: `Bearer ${await key.sign({ sub: 'same' })}` };
    const second = { authorization: `Bearer ${await key.sign({ sub: 'same', iss: 'https://other-idp.test.example/' })}` };
    // From another address than the junk-token test above, which is over its refusal count.
    for (let i = 0; i < 3; i++) expect((await postWith('127.0.0.4', stack.gateway.url, '{ __typename }', first)).status).toBe(200);
    expect((await postWith('127.0.0.4', stack.gateway.url, '{ __typename }', first)).status).toBe(429);
    expect((await postWith('127.0.0.4', stack.gateway.url, '{ __typename }', second)).status).toBe(200);
  });
});

describe('the address key', () => {
  it('keeps IPv4 addresses whole, IPv4-mapped ones as IPv4, and IPv6 addresses by their /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0DB8:0001:0002:0:0:0:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:0:3::1')).not.toBe(addressKey('2001:db8:0:2::1'));
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(addressKey('unknown')).toBe('unknown');
  });
});

describe('with Redis down', () => {
  it('keeps limiting in each process (the insurance limiter)', async () => {
    const stack = await startStack({ env: { RATE_LIMIT_PER_MINUTE: '2', REDIS_URL: 'redis://127.0.0.1:1', CACHE_KEY_PREFIX: `h4-down-${randomUUID()}` } });
    try {
      expect((await stack.query('{ __typename }')).status).toBe(200);
      expect((await stack.query('{ __typename }')).status).toBe(200);
      const refused = await stack.query('{ __typename }');
      expect(refused.status).toBe(429);
      expect(codes(refused)).toEqual(['RATE_LIMITED']);
    } finally {
      await stack.close();
    }
  });
});

describeWith('redis')('two gateway processes on one Redis', () => {
  let a: GatewayProcess;
  let b: GatewayProcess;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl(), CACHE_KEY_PREFIX: `h4-rl-${randomUUID()}`, RATE_LIMIT_PER_MINUTE: '4' };
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  }, 60_000);
  afterAll(async () => {
    for (const child of [a, b]) {
      if (!child) continue;
      child.child.kill('SIGTERM');
      await child.exited;
    }
  });

  it('share one count per client', async () => {
    const statuses: number[] = [];
    for (const gateway of [a, b, a, b]) statuses.push((await postGraphQL(gateway.url, { query: '{ __typename }' })).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    for (const gateway of [a, b]) {
      const refused = await postGraphQL(gateway.url, { query: '{ __typename }' });
      expect(refused.status).toBe(429);
      expect(codes(refused)).toEqual(['RATE_LIMITED']);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });
});
