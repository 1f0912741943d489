import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { LocalSemaphore, SharedCaps, type InFlightLimiter, type Release } from '../src/http/concurrency/index.js';
import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport } from '../src/http/transport.js';
import { SIM_INSPECTORIO_API_KEY, startSimulators } from '../src/sim/index.js';
import { INSPECTORIO } from '../src/upstreams/inspectorio/definition.js';

// `npm run bench -- --caps`: what the in-flight cap costs per upstream call, in one run, for
// each way of keeping it:
//   pool    — the keep-alive pool's own connection limit (the default without REDIS_URL)
//   local   — a semaphore in process (what each replica keeps to while Redis is unreachable)
//   redis   — the cap shared by replicas through Redis (REDIS_URL)
// First the slot alone (acquire + release, one caller after the other), then whole upstream
// calls through the transport to the Inspectorio simulator (same process, so that the
// difference between rows is the cap's cost and nothing else), at 1 caller, at 16 (under the
// cap of 20) and at 40 (over it, so callers queue for slots).

export const CAPS_USAGE = `usage: npm run bench -- --caps [--calls 2000] [--latency 0] [--redis redis://127.0.0.1:6379] [--out bench/results]

  --calls N      upstream calls per (variant, callers) row, and acquire+release pairs per variant
  --latency MS   the Inspectorio simulator's latency (0: the cap's cost is the largest share of a call)
  --redis URL    the Redis to share the cap through (default REDIS_URL, else redis://127.0.0.1:6379)`;

type Variant = 'pool' | 'local' | 'redis';
const CAP = 20;
const CALLERS = [1, 16, 40];

interface Row {
  variant: Variant;
  callers: number;
  calls: number;
  /** Mean, median and 99th percentile duration of one call, in ms. */
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  callsPerSecond: number;
  /** Mean ms per call above the pool's at the same callers. */
  addedMs?: number;
}

interface SlotRow {
  variant: Variant;
  pairs: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, digits = 3) => Number(n.toFixed(digits));

export async function runCapsBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string', default: '2000' },
      latency: { type: 'string', default: '0' },
      redis: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${CAPS_USAGE}\n`);
    return 0;
  }
  const calls = Number(values.calls);
  const latencyMs = Number(values.latency);
  if (!Number.isInteger(calls) || calls < 100 || !Number.isInteger(latencyMs) || latencyMs < 0) {
    process.stderr.write(`--calls must be a whole number ≥ 100 and --latency ≥ 0\n\n${CAPS_USAGE}\n`);
    return 2;
  }
  const redisUrl = values.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const keyPrefix = `bench-caps-${randomUUID()}`;

  const sims = await startSimulators({ host: '127.0.0.1', inspectorio: { latencyMs } });
  const caps = new SharedCaps({ redisUrl, keyPrefix, expectedReplicas: 1, leaseMs: 5_000, redisTimeoutMs: 250 }, pino({ level: 'warn' }));
  try {
    if (!(await caps.whenShared(3_000))) {
      process.stderr.write(`Redis at ${redisUrl.replace(/\/\/[^@]*@/, '//')} did not answer: the redis variant needs one (--redis URL)\n`);
      return 1;
    }
    const local = new LocalSemaphore(CAP, 'inspectorio');
    const limiters: Record<Variant, InFlightLimiter | undefined> = {
      pool: undefined,
      local: { mode: 'local', limit: CAP, acquire: (signal, deadline) => local.acquire(signal, deadline) },
      redis: caps.limiter('inspectorio', sims.inspectorio.url, CAP),
    };
    const variants = Object.keys(limiters) as Variant[];
    const organizationIds = [...sims.dataset.organizations.keys()].slice(0, 200);

    // The slot alone, one caller after the other.
    const slots: SlotRow[] = [];
    for (const variant of variants) {
      const limiter = limiters[variant];
      const durations: number[] = [];
      for (let i = 0; i < calls; i++) {
        const started = process.hrtime.bigint();
        const release: Release | undefined = limiter ? await limiter.acquire(undefined, Date.now() + 10_000) : undefined;
        release?.();
        durations.push(Number(process.hrtime.bigint() - started) / 1_000);
      }
      durations.sort((a, b) => a - b);
      slots.push({ variant, pairs: calls, meanUs: round(durations.reduce((a, b) => a + b, 0) / calls, 1), p50Us: round(percentile(durations, 50), 1), p99Us: round(percentile(durations, 99), 1) });
    }

    // Whole upstream calls through the transport.
    const rows: Row[] = [];
    for (const callers of CALLERS) {
      for (const variant of variants) {
        const limiter = limiters[variant];
        const transport = new UpstreamTransport('inspectorio', { ...DEFAULT_TRANSPORT_SETTINGS, url: sims.inspectorio.url, maxInFlight: CAP }, {}, limiter ? { limiter } : {});
        const call = async (i: number) => {
          const id = organizationIds[i % organizationIds.length]!;
          const response = await transport.exchange({
            route: INSPECTORIO.routes.organization.name,
            path: INSPECTORIO.routes.organization.path(id),
            headers: { accept: 'application/json', apikey: SIM_INSPECTORIO_API_KEY },
            deadline: Date.now() + 10_000,
          });
          if (response.status !== 200) throw new Error(`${variant}: status ${response.status}`);
        };
        // Warm the connections and the Lua script cache.
        await Promise.all(Array.from({ length: Math.min(callers, CAP) * 2 }, (_, i) => call(i)));
        const durations: number[] = [];
        let next = 0;
        const began = performance.now();
        await Promise.all(
          Array.from({ length: callers }, async () => {
            while (next < calls) {
              const i = next++;
              const started = performance.now();
              await call(i);
              durations.push(performance.now() - started);
            }
          }),
        );
        const elapsed = performance.now() - began;
        await transport.close();
        durations.sort((a, b) => a - b);
        rows.push({
          variant,
          callers,
          calls,
          meanMs: round(durations.reduce((a, b) => a + b, 0) / durations.length),
          p50Ms: round(percentile(durations, 50)),
          p99Ms: round(percentile(durations, 99)),
          callsPerSecond: Math.round((calls / elapsed) * 1000),
        });
      }
    }
    for (const row of rows) {
      const pool = rows.find((r) => r.variant === 'pool' && r.callers === row.callers)!;
      row.addedMs = round(row.meanMs - pool.meanMs);
    }

    const at = new Date().toISOString();
    const markdown = [
      `# In-flight cap: cost per upstream call (${at})`,
      '',
      `Inspectorio simulator latency ${latencyMs} ms, cap ${CAP}, ${calls} calls per row, Redis ${caps.isShared ? 'shared' : 'unreachable'}; node ${process.version}.`,
      '',
      '## acquire + release, one caller after the other (µs)',
      '',
      '| variant | pairs | mean | p50 | p99 |',
      '|---|---:|---:|---:|---:|',
      ...slots.map((s) => `| ${s.variant} | ${s.pairs} | ${s.meanUs} | ${s.p50Us} | ${s.p99Us} |`),
      '',
      '## whole upstream calls through the transport (ms)',
      '',
      '| callers | variant | mean | p50 | p99 | calls/s | added vs pool (mean) |',
      '|---:|---|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.callers} | ${r.variant} | ${r.meanMs} | ${r.p50Ms} | ${r.p99Ms} | ${r.callsPerSecond} | ${r.addedMs! >= 0 ? '+' : ''}${r.addedMs} |`),
      '',
    ].join('\n');
    mkdirSync(values.out!, { recursive: true });
    const stamp = at.replace(/[:.]/g, '-');
    const result = { at, latencyMs, cap: CAP, calls, slots, rows };
    for (const name of [`caps-${stamp}`, 'caps-latest']) {
      writeFileSync(join(values.out!, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(values.out!, `${name}.md`), markdown);
    }
    process.stdout.write(`${markdown}\nwritten to ${join(values.out!, `caps-${stamp}.{json,md}`)}\n`);
    return 0;
  } finally {
    await caps.close();
    await sims.close();
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await redis.connect();
      const keys = [...(await redis.keys(`${keyPrefix}*`)), ...(await redis.keys(`semaphore:${keyPrefix}*`))];
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    } catch {
      redis.disconnect();
    }
  }
}
