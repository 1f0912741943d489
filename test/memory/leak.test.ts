import v8 from 'node:v8';
import vm from 'node:vm';
import { Agent, request } from 'undici';
import { benchQueries, prepareMix, type Operation } from '../../bench/queries.js';
import { startStack, type Stack } from '../helpers/stack.js';

// A per-request leak (a module-level Map keyed by request, loaders kept past their
// operation, listeners piling up on a shared emitter) grows the heap with every request.
// This drives thousands of mixed operations through the whole stack and compares the heap
// after full garbage collections: after a warm-up (JIT, caches, pools at their steady size)
// and after the measured requests. Retaining 5 KB per request crosses the bound; without a
// leak the heap moves by ±2 MB (time-windowed state such as operation deadlines).
//
// `gc` is not exposed by default; the flag can be set at run time, and a fresh context then
// has the function (this works without --expose-gc on the command line).

v8.setFlagsFromString('--expose-gc');
const gc = ((globalThis as { gc?: () => void }).gc ?? vm.runInNewContext('gc')) as () => void;

const WARMUP_REQUESTS = 300;
const MEASURED_REQUESTS = 2_000;
/** Every query of the benchmark, the cheap one most (the heavy ones cost 3–6 times as much here). */
const MIX = { small: 5, paging: 1, network: 1, nodes: 1 };
const CONCURRENCY = 16;
const MAX_GROWTH_MB = 10;
const MB = 1024 * 1024;

let stack: Stack;
let mix: Operation[];
const dispatcher = new Agent({ connections: CONCURRENCY });

async function post(body: string): Promise<{ status: number; json: any }> {
  const response = await request(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, dispatcher });
  return { status: response.statusCode, json: await response.body.json() };
}

/** Sends `count` operations of the mix, `CONCURRENCY` at a time; returns the first few wrong answers. */
async function drive(count: number): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const op = mix[next++ % mix.length]!;
      const { status, json } = await post(op.body);
      const problem = status !== 200 ? `HTTP ${status}` : json.errors ? JSON.stringify(json.errors).slice(0, 200) : op.check(json.data);
      if (problem && failures.length < 5) failures.push(`${op.label}: ${problem}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return failures;
}

/** Heap in use after full collections (the lowest of a few, as a late finalizer can free more). */
async function heapAfterGc(): Promise<number> {
  // The simulators share this process and log recent requests: that log is theirs, not the gateway's.
  stack.resetCounts();
  let lowest = Infinity;
  for (let i = 0; i < 4; i++) {
    gc();
    // Let pending callbacks (socket closes, finalizers) run between collections.
    await new Promise((resolve) => setImmediate(resolve));
    lowest = Math.min(lowest, process.memoryUsage().heapUsed);
  }
  return lowest;
}

beforeAll(async () => {
  // The cross-request cache off: every operation then takes the whole path (loaders, transport,
  // parsing, mapping), which is where a per-request leak would hide; the cache is bounded by size.
  stack = await startStack({ env: { CACHE_ENABLED: 'false' } });
  mix = await prepareMix(benchQueries(stack.sims.dataset), post, MIX);
});

afterAll(async () => {
  await dispatcher.close();
  await stack?.close();
});

describe('memory', () => {
  it(`keeps the heap flat over ${MEASURED_REQUESTS} mixed operations (growth < ${MAX_GROWTH_MB} MB)`, async () => {
    expect(await drive(WARMUP_REQUESTS)).toEqual([]);
    const baseline = await heapAfterGc();

    expect(await drive(MEASURED_REQUESTS)).toEqual([]);
    const after = await heapAfterGc();

    const growthMb = (after - baseline) / MB;
    const report =
      `heap after GC ${(baseline / MB).toFixed(1)} → ${(after / MB).toFixed(1)} MB: ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(2)} MB over ` +
      `${MEASURED_REQUESTS} operations (${Math.round((after - baseline) / MEASURED_REQUESTS)} bytes each)`;
    expect(growthMb < MAX_GROWTH_MB ? 'flat' : report).toBe('flat');
    // 30–90 s on two cores beside the rest of the suite (it measured 90.3 s in one CI run): the
    // bound guards against a hang, not a speed target, so it leaves room for slower CI machines.
  }, 240_000);
});
