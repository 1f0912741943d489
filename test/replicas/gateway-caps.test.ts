import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startGateway } from '../../src/server.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN } from '../../src/sim/index.js';
import { describeWith, redisUrl } from '../helpers/services.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { RedisProxy } from './redis-proxy.js';

// The shared in-flight caps as a gateway runs them: their mode on /metrics as Redis goes down
// and comes back, and a start that fails (PORT in use) leaving nothing connected to Redis.

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function series(exposition: string, name: string, labels: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function scrape(stack: Stack): Promise<string> {
  const response = await request(`http://127.0.0.1:${stack.gateway.port}/metrics`);
  expect(response.statusCode).toBe(200);
  return response.body.text();
}

/** Scrapes until `done` holds (Redis reconnects on its own schedule), at most 15 s. */
async function scrapeUntil(stack: Stack, done: (exposition: string) => boolean): Promise<string> {
  const end = Date.now() + 15_000;
  for (;;) {
    const exposition = await scrape(stack);
    if (done(exposition) || Date.now() > end) return exposition;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const CAP_SHARED = 'gateway_upstream_in_flight_cap_shared';
const CAP_LIMIT = 'gateway_upstream_in_flight_cap_limit';

describeWith('redis')('shared in-flight caps in a running gateway', () => {
  const prefix = `test-gwcaps-${randomUUID()}`;
  let admin: Redis;

  beforeAll(() => {
    admin = new Redis(redisUrl());
  });

  afterAll(async () => {
    const keys = await admin.keys(`*${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('says on /metrics whether each cap is shared (1, the whole cap) or on its share (0), as Redis goes down and comes back', async () => {
    const target = new URL(redisUrl());
    const proxy = new RedisProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.start();
    const stack = await startStack({
      env: { REDIS_URL: proxy.url, CACHE_KEY_PREFIX: `${prefix}-metrics`, IN_FLIGHT_EXPECTED_REPLICAS: '3' },
    });
    try {
      let exposition = await scrape(stack);
      expect(series(exposition, CAP_SHARED, 'upstream="inspectorio"')).toBe(1);
      expect(series(exposition, CAP_SHARED, 'upstream="iqmetrix"')).toBe(1);
      expect(series(exposition, CAP_LIMIT, 'upstream="inspectorio"')).toBe(20);
      expect(series(exposition, CAP_LIMIT, 'upstream="iqmetrix"')).toBe(32);

      await proxy.stop();
      exposition = await scrapeUntil(stack, (text) => series(text, CAP_SHARED, 'upstream="inspectorio"') === 0);
      expect(series(exposition, CAP_SHARED, 'upstream="inspectorio"')).toBe(0);
      expect(series(exposition, CAP_SHARED, 'upstream="iqmetrix"')).toBe(0);
      // The cap ÷ 3 replicas.
      expect(series(exposition, CAP_LIMIT, 'upstream="inspectorio"')).toBe(6);
      expect(series(exposition, CAP_LIMIT, 'upstream="iqmetrix"')).toBe(10);
      // Calls go on meanwhile, under the share.
      const response = await stack.query('{ __typename }');
      expect(response.body).toEqual({ data: { __typename: 'Query' } });

      await proxy.start();
      exposition = await scrapeUntil(stack, (text) => series(text, CAP_SHARED, 'upstream="inspectorio"') === 1);
      expect(series(exposition, CAP_SHARED, 'upstream="inspectorio"')).toBe(1);
      expect(series(exposition, CAP_LIMIT, 'upstream="inspectorio"')).toBe(20);
    } finally {
      await stack.close();
      await proxy.stop();
    }
  });

  it('has no cap gauges without REDIS_URL (each replica keeps its own cap by design)', async () => {
    const stack = await startStack();
    try {
      const exposition = await scrape(stack);
      expect(exposition).not.toContain(CAP_SHARED);
      expect(exposition).not.toContain(CAP_LIMIT);
    } finally {
      await stack.close();
    }
  });

  it('a start that fails on a port in use closes its Redis connections: it never counts as a replica', async () => {
    const keyPrefix = `${prefix}-failed-start`;
    const replicasKey = `${keyPrefix}:inflight:replicas`;
    const first = await startStack({ env: { REDIS_URL: redisUrl(), CACHE_KEY_PREFIX: keyPrefix } });
    try {
      expect(await admin.zcard(replicasKey)).toBe(1);
      const clientsBefore = String(await admin.client('LIST')).split('\n').filter(Boolean).length;

      const config = loadConfig({ PORT: String(first.gateway.port), HOST: '127.0.0.1', SIMULATORS: 'true', CACHE_ENABLED: 'false', REDIS_URL: redisUrl(), CACHE_KEY_PREFIX: keyPrefix });
      const second = startGateway({
        config,
        upstreams: {
          iqmetrix: { url: first.sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 32 },
          inspectorio: { url: first.sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 20 },
        },
      });
      const error = await second.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(String((error as Error).message)).toContain(`PORT ${first.gateway.port} is already in use`);

      // Its caps left the replica count, and its connections are closed.
      expect(await admin.zcard(replicasKey)).toBe(1);
      const clientsAfter = String(await admin.client('LIST')).split('\n').filter(Boolean).length;
      expect(clientsAfter).toBeLessThanOrEqual(clientsBefore);
    } finally {
      await first.close();
    }
  });
});
