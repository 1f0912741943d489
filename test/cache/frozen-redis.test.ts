import { createHash, randomUUID } from 'node:crypto';
import { describeWith, redisUrl } from '../helpers/services.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';
import { RedisProxy } from '../replicas/redis-proxy.js';

// Issue 11, item 8 (cache part): a Redis that accepts connections but never answers must not
// stall operations. Every cache read and write has CACHE_TIMEOUT_MS of its own; past it a read
// is a miss (the upstream answers) and a write is dropped. No timing is asserted: a stalled
// operation would end at OPERATION_TIMEOUT_MS with an error instead of data.

const COMPANY = 'GET /Companies({id})';

describeWith('redis')('a frozen Redis', () => {
  let proxy: RedisProxy;
  let stack: Stack;
  beforeAll(async () => {
    const target = new URL(redisUrl());
    proxy = new RedisProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    stack = await startStack({
      env: {
        CACHE_ENABLED: 'true',
        REDIS_URL: proxy.url,
        CACHE_KEY_PREFIX: `h7-frozen-${randomUUID()}`,
        // Only the shared store: every read and write goes to Redis.
        CACHE_LOCAL_MAX_BYTES: '0',
        // Generous, so that the warm-up read is a hit even on a loaded CI machine; a frozen Redis still
        // costs each read at most this long, far below the operation's deadline.
        CACHE_TIMEOUT_MS: '1000',
        // The shared in-flight caps have their own handling of a frozen Redis (test/replicas).
        IN_FLIGHT_SHARED: 'false',
        OPERATION_TIMEOUT_MS: '20000',
      },
    });
  });
  afterAll(async () => {
    proxy.thaw();
    await stack.close();
    await proxy.stop();
  });

  it('reads are misses and writes are dropped: operations answer from the upstream while it stays frozen', async () => {
    const [a, b] = linkedCompanyIds(stack.sims.dataset, 2) as [number, number];
    const query = (id: number) => `{ company(id: ${id}) { name organization { name } } }`;
    // Redis answering: the second read is a hit from it.
    expect((await stack.query(query(a))).body.errors).toBeUndefined();
    stack.resetCounts();
    expect((await stack.query(query(a))).body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({});

    proxy.freeze();
    for (const id of [a, b, a]) {
      stack.resetCounts();
      const answer = await stack.query(query(id));
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.company.name).toEqual(expect.any(String));
      // A miss, not a wait: the company came from the upstream.
      expect(stack.upstreamRequests()[COMPANY]).toBe(1);
    }

    // Automatic persisted queries live in the same store: registering one does not wait either.
    const apq = `{ company(id: ${b}) { companyId } }`;
    const sha256Hash = createHash('sha256').update(apq).digest('hex');
    const registered = await fetch(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: apq, extensions: { persistedQuery: { version: 1, sha256Hash } } }),
    });
    expect(registered.status).toBe(200);
    expect(((await registered.json()) as { data: unknown }).data).toEqual({ company: { companyId: b } });
  });
});
