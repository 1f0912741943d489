import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { LocalSemaphore, NoSlotError, SharedCaps, type Release, type SharedCapSettings } from '../../src/http/concurrency/index.js';
import { describeWith, redisUrl } from '../helpers/services.js';
import { RedisProxy, silentServer } from './redis-proxy.js';

// The in-flight caps shared through Redis, as two replicas in one process would hold them:
// each SharedCaps is one replica (its own connection, heartbeat and replica id).

const quiet = pino({ level: 'silent' });

/** Rejects with the error, or fails the test when the promise resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('LocalSemaphore', () => {
  it('grants in arrival order and never more than the limit', async () => {
    const semaphore = new LocalSemaphore(2, 'test');
    const a = await semaphore.acquire(undefined, undefined);
    const b = await semaphore.acquire(undefined, undefined);
    const order: string[] = [];
    const c = semaphore.acquire(undefined, undefined).then((release) => (order.push('c'), release));
    const d = semaphore.acquire(undefined, undefined).then((release) => (order.push('d'), release));
    expect(semaphore.inUse).toBe(2);
    expect(semaphore.waiting).toBe(2);
    a();
    a(); // a second release is harmless
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(semaphore.inUse).toBe(0);
  });

  it('a lower limit takes nothing back; a higher one lets waiters in at once', async () => {
    const semaphore = new LocalSemaphore(3, 'test');
    const held = await Promise.all([1, 2, 3].map(() => semaphore.acquire(undefined, undefined)));
    semaphore.setLimit(1);
    const waiting = semaphore.acquire(undefined, undefined);
    held[0]!();
    held[1]!();
    expect(semaphore.inUse).toBe(1);
    expect(semaphore.waiting).toBe(1);
    semaphore.setLimit(2);
    (await waiting)();
    held[2]!();
    expect(semaphore.inUse).toBe(0);
  });

  it('gives up at the deadline or on abort, with NoSlotError, and leaves the queue', async () => {
    const semaphore = new LocalSemaphore(1, 'inspectorio');
    const release = await semaphore.acquire(undefined, undefined);
    const late = await rejection(semaphore.acquire(undefined, Date.now() + 20));
    expect(late).toBeInstanceOf(NoSlotError);
    expect(late).toMatchObject({ reason: 'deadline', name: 'TimeoutError' });
    expect((late as Error).message).toBe("no free slot among the 1 requests allowed in flight to inspectorio before the operation's deadline");

    const controller = new AbortController();
    const abandoned = semaphore.acquire(controller.signal, undefined);
    controller.abort();
    expect(await rejection(abandoned)).toMatchObject({ reason: 'aborted', name: 'AbortError' });
    expect(semaphore.waiting).toBe(0);
    release();
    expect(semaphore.inUse).toBe(0);
  });
});

const withRedis = describeWith('redis');

withRedis('in-flight caps shared through Redis', () => {
  const prefix = `test-caps-${randomUUID()}`;
  const replicas: SharedCaps[] = [];
  let admin: Redis;

  const replica = (overrides: Partial<SharedCapSettings> = {}): SharedCaps => {
    const caps = new SharedCaps({ redisUrl: redisUrl(), keyPrefix: prefix, expectedReplicas: 2, leaseMs: 5_000, redisTimeoutMs: 200, ...overrides }, quiet);
    replicas.push(caps);
    return caps;
  };

  beforeAll(() => {
    admin = new Redis(redisUrl());
  });

  afterAll(async () => {
    await Promise.all(replicas.map((caps) => caps.close()));
    const keys = await admin.keys(`*${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('holds the cap across replicas together, and gives a slot back on release', async () => {
    const [a, b] = [replica(), replica()];
    expect(await a.whenShared(5_000)).toBe(true);
    expect(await b.whenShared(5_000)).toBe(true);
    const onA = a.limiter('inspectorio', 'one', 3);
    const onB = b.limiter('inspectorio', 'one', 3);
    expect([onA.mode, onA.limit]).toEqual(['shared', 3]);

    const held: Release[] = [await onA.acquire(undefined, undefined), await onB.acquire(undefined, undefined), await onA.acquire(undefined, undefined)];
    // Every slot is taken, two on A and one on B: B cannot have another although it holds one only.
    const refused = await rejection(onB.acquire(undefined, Date.now() + 150));
    expect(refused).toBeInstanceOf(NoSlotError);
    expect(refused).toMatchObject({ reason: 'deadline', upstream: 'inspectorio' });

    const waiting = onB.acquire(undefined, Date.now() + 5_000);
    held[0]!();
    held.push(await waiting);
    expect(await admin.zcard(`semaphore:${prefix}:inflight:inspectorio:one`)).toBe(3);
    for (const release of held) release();
  });

  it('gives up the wait when the operation is abandoned', async () => {
    const a = replica();
    await a.whenShared(5_000);
    const limiter = a.limiter('inspectorio', 'abort', 1);
    const release = await limiter.acquire(undefined, undefined);
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal, Date.now() + 10_000);
    setTimeout(() => controller.abort(), 30);
    expect(await rejection(waiting)).toMatchObject({ reason: 'aborted', name: 'AbortError' });
    release();
  });

  it('the slots of a replica that died come back when their lease lapses', async () => {
    const [dies, survives] = [replica({ leaseMs: 1_000 }), replica({ leaseMs: 1_000 })];
    await dies.whenShared(5_000);
    await survives.whenShared(5_000);
    const dead = dies.limiter('iqmetrix', 'lease', 2);
    await dead.acquire(undefined, undefined);
    await dead.acquire(undefined, undefined);
    // Gone without releasing: no more heartbeats renew its slots.
    await dies.close();

    const limiter = survives.limiter('iqmetrix', 'lease', 2);
    expect(await rejection(limiter.acquire(undefined, Date.now() + 100))).toBeInstanceOf(NoSlotError);
    const release = await limiter.acquire(undefined, Date.now() + 10_000);
    release();
  });

  it('renews the leases of calls that outlast one', async () => {
    const [a, b] = [replica({ leaseMs: 600 }), replica({ leaseMs: 600 })];
    await a.whenShared(5_000);
    await b.whenShared(5_000);
    const release = await a.limiter('iqmetrix', 'renew', 1).acquire(undefined, undefined);
    // Well past the lease: still held, because A's heartbeat renews it.
    expect(await rejection(b.limiter('iqmetrix', 'renew', 1).acquire(undefined, Date.now() + 2_000))).toBeInstanceOf(NoSlotError);
    expect(a.lapsedLeases).toBe(0);
    release();
  });

  it('falls back to its share while Redis is frozen, and shares again once it answers', async () => {
    const target = new URL(redisUrl());
    const proxy = new RedisProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    try {
      const caps = replica({ redisUrl: proxy.url, keyPrefix: `${prefix}-frozen`, expectedReplicas: 3 });
      expect(await caps.whenShared(5_000)).toBe(true);
      const limiter = caps.limiter('inspectorio', 'frozen', 20);
      (await limiter.acquire(undefined, undefined))();

      proxy.freeze();
      // No waiting on Redis past its own timeout: the call gets one of the share's slots.
      const release = await limiter.acquire(undefined, Date.now() + 5_000);
      expect(limiter.mode).toBe('local');
      expect(limiter.limit).toBe(6); // 20 ÷ 3 replicas
      const more = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire(undefined, undefined)));
      expect(await rejection(limiter.acquire(undefined, Date.now() + 50))).toBeInstanceOf(NoSlotError);
      for (const r of [release, ...more]) r();

      proxy.thaw();
      expect(await caps.whenShared(5_000)).toBe(true);
      expect([limiter.mode, limiter.limit]).toEqual(['shared', 20]);
      (await limiter.acquire(undefined, Date.now() + 5_000))();
    } finally {
      await proxy.stop();
    }
  });

  it('falls back to its share while Redis is down, and shares again once it is back', async () => {
    const target = new URL(redisUrl());
    const proxy = new RedisProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    try {
      const caps = replica({ redisUrl: proxy.url, keyPrefix: `${prefix}-down`, expectedReplicas: 4 });
      expect(await caps.whenShared(5_000)).toBe(true);
      const limiter = caps.limiter('inspectorio', 'down', 20);

      await proxy.stop();
      const held = await Promise.all(Array.from({ length: 5 }, () => limiter.acquire(undefined, Date.now() + 5_000)));
      expect([limiter.mode, limiter.limit]).toEqual(['local', 5]);
      expect(await rejection(limiter.acquire(undefined, Date.now() + 50))).toBeInstanceOf(NoSlotError);
      for (const release of held) release();

      await proxy.start();
      expect(await caps.whenShared(10_000)).toBe(true);
      expect(limiter.mode).toBe('shared');
      (await limiter.acquire(undefined, Date.now() + 5_000))();
    } finally {
      await proxy.stop();
    }
  });

  it('a Redis that never answers from the start blocks nothing', async () => {
    const silent = await silentServer();
    try {
      const caps = replica({ redisUrl: silent.url, expectedReplicas: 40 });
      const limiter = caps.limiter('inspectorio', 'silent', 20);
      expect([limiter.mode, limiter.limit]).toEqual(['local', 1]);
      (await limiter.acquire(undefined, Date.now() + 1_000))();
      expect(await caps.whenShared(300)).toBe(false);
      await caps.close();
    } finally {
      await silent.close();
    }
  });

  it('keeps credentials, queries and fragments of a base URL out of its Redis keys', async () => {
    const caps = replica();
    await caps.whenShared(5_000);
    const limiter = caps.limiter('inspectorio', 'https://user:s3cret@api.example.com:8443/v2/?api_key=k3y#frag', 2);
    expect(limiter.key).toBe(`${prefix}:inflight:inspectorio:https://api.example.com:8443/v2`);
    const release = await limiter.acquire(undefined, undefined);
    const keys = await admin.keys(`*${prefix}*`);
    expect(keys).toContain(`semaphore:${prefix}:inflight:inspectorio:https://api.example.com:8443/v2`);
    expect(keys.join(' ')).not.toMatch(/s3cret|k3y|user/);
    release();
    // A scope that is not a URL is used as it is.
    expect(caps.limiter('inspectorio', 'one', 1).key).toBe(`${prefix}:inflight:inspectorio:one`);
  });

  it('divides by the replicas Redis has seen alive when there are more than expected', async () => {
    const keyPrefix = `${prefix}-count`;
    const many: SharedCaps[] = [];
    for (let i = 0; i < 3; i++) {
      // One after the other, so that each one's first heartbeat comes after the others'.
      many.push(replica({ keyPrefix, expectedReplicas: 1 }));
      expect(await many[i]!.whenShared(5_000)).toBe(true);
    }
    // The last to join counted the two before it.
    expect(many[2]!.replicas).toBe(3);
    expect(many[2]!.share(20)).toBe(6);
  });
});
