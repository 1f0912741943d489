import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN, startSimulators, type Simulators } from '../../src/sim/index.js';
import { spawnGateway, type GatewayProcess } from '../helpers/child-gateway.js';
import { haproxyPath, hasService, redisUrl } from '../helpers/services.js';
import { linkedCompanyIds } from '../helpers/stack.js';
import { startHaproxy, type Balancer } from './haproxy.js';

// Three gateway replicas behind Debian's HAProxy, sharing one Redis, over one pair of
// simulators whose Inspectorio side answers slowly. Under steady load, each replica in turn
// gets SIGTERM, exits and starts again. Every request must succeed, and Inspectorio must
// never see more than its documented 20 requests in flight from the three together.

const REPLICAS = 3;
/** Clients sending requests back to back, through the balancer. */
const CLIENTS = 30;
/** Slow enough that clients mostly wait on Inspectorio (so more than 20 calls want to be in flight) and the CPU stays light. */
const INSPECTORIO_LATENCY_MS = 150;
const INSPECTORIO_CAP = 20;
/**
 * HAProxy checks every 500 ms and takes a replica out after 2 failures: 1 s, and a margin for
 * a busy machine (2 cores shared by every process of the test), where a check may be slow.
 */
const SHUTDOWN_DELAY_MS = 3_000;
/**
 * The test takes 60–100 s on a busy 2-core machine; these leave room for a CI machine running
 * it loaded (and on Node 22 and 24 too). It is never in `npm run test:quick`.
 */
const BALANCER_UP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 300_000;

// Skipped when either is missing locally (test/services/setup.js prints how to get it); required under CI=true.
const describeReplicas = hasService('redis') && hasService('haproxy') ? describe : (describe.skip as typeof describe);

describeReplicas('3 replicas behind HAProxy, sharing Redis', () => {
  const prefix = `test-rolling-${randomUUID()}`;
  let sims: Simulators;
  let balancer: Balancer;
  const replicas: GatewayProcess[] = [];
  /** Every replica started, the replaced ones too: their lines tell why a cap may not have held. */
  const everyReplica: GatewayProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    sims = await startSimulators({ inspectorio: { latencyMs: INSPECTORIO_LATENCY_MS } });
    env = {
      IQMETRIX_URL: sims.iqmetrix.url,
      IQMETRIX_TOKEN: SIM_IQMETRIX_TOKEN,
      INSPECTORIO_URL: sims.inspectorio.url,
      INSPECTORIO_API_KEY: SIM_INSPECTORIO_API_KEY,
      INSPECTORIO_MAX_IN_FLIGHT: String(INSPECTORIO_CAP),
      REDIS_URL: redisUrl(),
      CACHE_KEY_PREFIX: prefix,
      // Every request goes upstream: the load must reach Inspectorio.
      CACHE_ENABLED: 'false',
      IN_FLIGHT_EXPECTED_REPLICAS: String(REPLICAS),
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      SHUTDOWN_GRACE_MS: '10000',
      // Info, so that the in-flight caps' mode changes and lapsed slots are in their output.
      LOG_LEVEL: 'info',
    };
    replicas.push(...(await Promise.all(Array.from({ length: REPLICAS }, () => spawnGateway(env, 60_000)))));
    everyReplica.push(...replicas);
    balancer = await startHaproxy(haproxyPath(), replicas.map((r) => r.port));
    for (let i = 0; i < REPLICAS; i++) await balancer.waitUntilUp(`r${i}`, BALANCER_UP_TIMEOUT_MS);
  }, 180_000);

  afterAll(async () => {
    await balancer?.close();
    for (const replica of replicas) {
      replica.child.kill('SIGTERM');
      await replica.exited;
    }
    await sims?.close();
    const redis = new Redis(redisUrl());
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    const slots = await redis.keys(`semaphore:${prefix}*`);
    if (slots.length > 0) await redis.del(...slots);
    await redis.quit();
  }, 120_000);

  it('restarts each replica in turn under load with no failed request, and Inspectorio never sees more than 20 in flight', async () => {
    const ids = linkedCompanyIds(sims.dataset, 40);
    // Two Inspectorio calls per request (the organization, then its relationships), one iQmetrix call.
    const query = (id: number) => `{ company(id: ${id}) { name organization { name relationships(first: 5) { totalCount } } } }`;
    const agent = new Agent({ connections: CLIENTS, keepAliveTimeout: 10_000 });
    const failures: string[] = [];
    let requests = 0;
    let stop = false;

    const client = async (n: number) => {
      for (let i = n; !stop; i += CLIENTS) {
        requests++;
        try {
          const response = await request(balancer.url, {
            method: 'POST',
            dispatcher: agent,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: query(ids[i % ids.length]!) }),
          });
          const text = await response.body.text();
          if (response.statusCode !== 200) {
            failures.push(`${response.statusCode}: ${text.slice(0, 300)}`);
            continue;
          }
          const body = JSON.parse(text) as { errors?: Array<{ message: string }>; data?: { company?: { organization?: unknown } } };
          if (body.errors || !body.data?.company?.organization) failures.push(`200: ${text.slice(0, 300)}`);
        } catch (error) {
          failures.push(`no response: ${(error as Error).message}`);
        }
      }
    };

    sims.inspectorio.requests.reset();
    sims.iqmetrix.requests.reset();
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    const restarts: Array<{ replica: string; exit: number | string; downMs: number }> = [];
    try {
      await sleep(2_000); // steady load first
      for (let i = 0; i < REPLICAS; i++) {
        const old = replicas[i]!;
        const began = Date.now();
        old.child.kill('SIGTERM');
        const exit = await old.exited;
        // Again on the same port: the balancer's configuration names it.
        replicas[i] = await spawnGateway({ ...env, PORT: String(old.port) }, 60_000);
        everyReplica.push(replicas[i]!);
        await balancer.waitUntilUp(`r${i}`, BALANCER_UP_TIMEOUT_MS);
        restarts.push({ replica: `r${i}`, exit, downMs: Date.now() - began });
      }
      await sleep(2_000); // and steady load after
    } finally {
      stop = true;
      await load;
      await agent.close();
    }

    const figures = {
      requests,
      failures: failures.length,
      inspectorioRequests: sims.inspectorio.requests.count(),
      inspectorioMaxInFlight: sims.inspectorio.requests.maxInFlight,
      restarts,
    };
    // The figures the issue asks for, in the test output.
    console.log(`rolling restart of ${REPLICAS} replicas behind HAProxy: ${JSON.stringify(figures)}`);
    // What the caps did in each replica: a fall-back to the local share or a lapsed slot is how
    // the three together could go past the cap, so these lines explain an overshoot.
    const capLines = everyReplica.flatMap((replica, n) =>
      `${replica.stdout()}\n${replica.stderr()}`
        .split('\n')
        .filter((line) => line.includes('in-flight caps') && !line.includes('shared across replicas through Redis'))
        .map((line) => `replica ${n} (port ${replica.port}): ${line.slice(0, 400)}`),
    );
    if (capLines.length > 0 || sims.inspectorio.requests.maxInFlight !== INSPECTORIO_CAP) console.log(`in-flight caps, as the replicas logged them (${capLines.length} lines):\n${capLines.slice(0, 30).join('\n') || '(nothing)'}`);
    if (failures.length > 0) {
      const unusual = balancer.stderr().split('\n').filter((line) => line.includes('gateways/') && !/ 200 \d+ - - ---- /.test(line));
      console.log(`failures, by kind:\n${[...new Set(failures.map((f) => f.slice(0, 120)))].slice(0, 10).join('\n')}\nHAProxy's lines for them:\n${unusual.slice(0, 20).join('\n')}`);
    }

    expect(failures.slice(0, 5)).toEqual([]);
    expect(restarts.map((r) => r.exit)).toEqual([0, 0, 0]);
    expect(requests).toBeGreaterThan(100);
    // The cap was reached, so it is the cap that held Inspectorio to 20 and not a light load.
    expect(sims.inspectorio.requests.maxInFlight).toBe(INSPECTORIO_CAP);
  }, TEST_TIMEOUT_MS);
});
