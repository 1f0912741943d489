import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createDataset, DEFAULT_SEED } from '../src/sim/dataset.js';
import { postJson, runLoad, warmUp, type LoadResult } from './load.js';
import {
  ROOT,
  assertLoopback,
  cpuSeconds,
  killAllSync,
  resetSimCounts,
  rssBytes,
  simCounts,
  spawnChild,
  stopAll,
  stopChild,
  tail,
  waitForLine,
  waitForQuiet,
  type Child,
} from './processes.js';
import { summarizeProfile, type ProfileSummary } from './profile.js';
import { DEFAULT_CAPS, QUERY_NAMES, benchQueries, byUpstream, prepareMix, sum, type BenchQuery, type Operation, type QueryName } from './queries.js';
import { derivations, errorCount, markdownTable, oursTable, originTable, profileTable, runsTable, type RunResult } from './report.js';

const USAGE = `usage: npm run bench -- [options]

  --connections 1,16     connection counts to measure each query at
  --duration 10          seconds of load per (query, connections)
  --latency 10           simulated upstream latency in ms
  --queries small,network,paging,nodes
  --partners 1           partners network rotates through (8: the issue-12 throughput run, cache off)
  --warmup N             checked warm-up requests per run (default max(50, 10 × connections))
  --soak                 memory soak instead: a mix of queries at 16 connections
    --requests 100000      measured soak requests
    --soak-warmup 5000     soak warm-up requests (RSS baseline is taken after them)
    --soak-connections 16
  --caps                 what the in-flight cap costs per upstream call (pool, local, Redis): bench/caps.ts
                         (npm run bench -- --caps --help)
  --profile              run the gateway under --cpu-prof on network at 16 connections (or --queries/--connections)
  --cache off|on|both    the gateway's cross-request upstream cache (CACHE_ENABLED); default both
                         for the benchmark, off for --soak and --profile (the whole upstream path)
  --seed N               simulator dataset seed (default ${DEFAULT_SEED})
  --skip-build           use the existing dist/ instead of running npm run build
  --entry dist/src/main.js  the gateway script to run (A/B-compare a patched copy of dist/)
  --node-flags=<flags>   extra node flags for the gateway, e.g. --node-flags=--max-semi-space-size=64
  --log-level info       the gateway's LOG_LEVEL
  --max-minutes 30       hard time limit of the whole run
  --out bench/results    where JSON and Markdown results go`;

const DEFAULT_ENTRY_FLAG = 'dist/src/main.js';
function parseFlags() {
  try {
    return parseArgs({
      options: {
        connections: { type: 'string' },
        duration: { type: 'string', default: '10' },
        latency: { type: 'string', default: '10' },
        queries: { type: 'string' },
        partners: { type: 'string', default: '1' },
        warmup: { type: 'string' },
        soak: { type: 'boolean', default: false },
        requests: { type: 'string', default: '100000' },
        'soak-warmup': { type: 'string', default: '5000' },
        'soak-connections': { type: 'string', default: '16' },
        profile: { type: 'boolean', default: false },
        seed: { type: 'string', default: String(DEFAULT_SEED) },
        'skip-build': { type: 'boolean', default: false },
        entry: { type: 'string', default: DEFAULT_ENTRY_FLAG },
        cache: { type: 'string' },
        'node-flags': { type: 'string', default: '' },
        'log-level': { type: 'string', default: 'info' },
        'max-minutes': { type: 'string', default: '30' },
        out: { type: 'string', default: 'bench/results' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    // e.g. `--node-flags --max-semi-space-size=64`: a value that starts with a dash needs `=`.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    process.exit(2);
  }
}
// A run of its own, with its own flags.
if (process.argv.includes('--caps')) {
  const { runCapsBench } = await import('./caps.js');
  process.exit(await runCapsBench(process.argv.slice(2).filter((arg) => arg !== '--caps')));
}
const flags = parseFlags();

if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function int(name: string, raw: string | undefined, min: number): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min} (got ${JSON.stringify(raw)})\n\n${USAGE}\n`);
    process.exit(2);
  }
  return Number(raw);
}

const mode: 'bench' | 'soak' | 'profile' = flags.soak ? 'soak' : flags.profile ? 'profile' : 'bench';
if (flags.soak && flags.profile) {
  process.stderr.write('--soak and --profile are separate runs; pick one\n');
  process.exit(2);
}
const latencyMs = int('latency', flags.latency, 0);
const durationSeconds = int('duration', flags.duration, 1);
const seed = int('seed', flags.seed, 0);
const maxMinutes = int('max-minutes', flags['max-minutes'], 1);
const connectionCounts = (flags.connections ?? (mode === 'profile' ? '16' : '1,16')).split(',').map((c) => int('connections', c.trim(), 1));
const queryNames = (flags.queries ?? (mode === 'profile' ? 'network' : QUERY_NAMES.join(','))).split(',').map((q) => q.trim());
for (const name of queryNames) {
  if (!(QUERY_NAMES as readonly string[]).includes(name)) {
    process.stderr.write(`unknown query ${JSON.stringify(name)}; known: ${QUERY_NAMES.join(', ')}\n`);
    process.exit(2);
  }
}
const partners = int('partners', flags.partners, 1);
const soakRequests = int('requests', flags.requests, 1);
const soakWarmup = int('soak-warmup', flags['soak-warmup'], 0);
const soakConnections = int('soak-connections', flags['soak-connections'], 1);
const warmupOverride = flags.warmup === undefined ? undefined : int('warmup', flags.warmup, 1);

type CacheMode = 'off' | 'on';
const DEFAULT_ENTRY = DEFAULT_ENTRY_FLAG;
const cacheFlag = flags.cache ?? (mode === 'bench' ? 'both' : 'off');
if (!['off', 'on', 'both'].includes(cacheFlag) || (mode !== 'bench' && cacheFlag === 'both')) {
  process.stderr.write(`--cache must be off, on${mode === 'bench' ? ' or both' : ` (one setting with --${mode})`} (got ${JSON.stringify(cacheFlag)})\n`);
  process.exit(2);
}
const cacheModes: CacheMode[] = cacheFlag === 'both' ? ['off', 'on'] : [cacheFlag as CacheMode];

const outDir = join(ROOT, flags.out);
const logDir = join(outDir, 'logs');
const profileDir = join(outDir, 'profiles');
const caps = DEFAULT_CAPS;
const MB = 1024 * 1024;

// One abort for everything: a signal, the time limit, or a fatal error stops the load and
// leads to the same cleanup.
const abort = new AbortController();
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

let cleaning: Promise<void> | undefined;
const cleanup = () => (cleaning ??= stopAll());
process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    abort.abort(new Error(signal));
    void cleanup().finally(() => process.exit(130));
    // A second signal, or children that ignore SIGTERM, must not keep us here.
    setTimeout(() => process.exit(130), 8_000).unref();
  });
}
const watchdog = setTimeout(() => {
  log(`time limit of ${maxMinutes} min reached: stopping`);
  abort.abort(new Error('time limit'));
  void cleanup().finally(() => process.exit(3));
  setTimeout(() => process.exit(3), 8_000).unref();
}, maxMinutes * 60_000);
watchdog.unref();

function checkAborted(): void {
  if (abort.signal.aborted) throw abort.signal.reason ?? new Error('aborted');
}

async function build(): Promise<void> {
  log('npm run build');
  const npmCli = process.env.npm_execpath;
  // Under `npm run` npm_execpath is npm's own CLI script: run it with this node, no shell.
  const args = npmCli && npmCli.endsWith('.js') ? [npmCli, 'run', '-s', 'build'] : [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'];
  const child = spawnChild('build', args, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, join(logDir, 'build.log'));
  const code = await child.exited;
  if (code !== '0') throw new Error(`build failed (${code}):\n${tail(child.logFile)}`);
}

interface Simulators {
  child: Child;
  iqmetrixUrl: string;
  inspectorioUrl: string;
  /** Where each simulator's `/__sim` control surface is. */
  origins: { iqmetrix: string; inspectorio: string };
}

async function startSimulators(): Promise<Simulators> {
  const args = ['--import', 'tsx', 'src/sim/cli.ts', '--host', '127.0.0.1', '--latency', String(latencyMs), '--seed', String(seed)];
  // The default iQmetrix rate limit (1M a minute) is within reach of a long soak.
  args.push('--rate-limit', '1000000000', '--rate-window', '60');
  const child = spawnChild('simulators', args, { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' }, join(logDir, 'simulators.log'));
  const [line] = await waitForLine(child, /^\{"iqmetrixUrl".*\}$/m, 60_000);
  const urls = JSON.parse(line) as { iqmetrixUrl: string; inspectorioUrl: string };
  for (const url of Object.values(urls)) assertLoopback(url);
  return {
    child,
    iqmetrixUrl: urls.iqmetrixUrl,
    inspectorioUrl: urls.inspectorioUrl,
    origins: { iqmetrix: new URL(urls.iqmetrixUrl).origin, inspectorio: new URL(urls.inspectorioUrl).origin },
  };
}

interface Gateway {
  child: Child;
  url: string;
}

async function startGateway(sims: Simulators, cache: CacheMode, profile: boolean): Promise<Gateway> {
  const env: NodeJS.ProcessEnv = {
    // Only what the gateway needs: nothing inherited can point it (or an exporter) elsewhere.
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: flags['log-level'],
    IQMETRIX_URL: sims.iqmetrixUrl,
    IQMETRIX_TOKEN: 'sim-iqmetrix-token',
    INSPECTORIO_URL: sims.inspectorioUrl,
    INSPECTORIO_API_KEY: 'sim-inspectorio-key',
    IQMETRIX_MAX_IN_FLIGHT: String(caps.iqmetrix),
    INSPECTORIO_MAX_IN_FLIGHT: String(caps.inspectorio),
    // The cross-request cache of upstream reads (in memory: no REDIS_URL is passed).
    CACHE_ENABLED: cache === 'on' ? 'true' : 'false',
  };
  const nodeFlags = flags['node-flags'].split(/\s+/).filter(Boolean);
  const args = [...nodeFlags, ...(profile ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), flags.entry];
  const child = spawnChild('gateway', args, env, join(logDir, 'gateway.log'));
  const [, url] = await waitForLine(child, /GraphQL gateway ready at (http:\/\/\S+)/, 60_000);
  assertLoopback(url!);
  const health = await fetch(new URL('/healthz', url), { signal: AbortSignal.timeout(5_000) });
  if (!health.ok) throw new Error(`gateway /healthz answered ${health.status}`);
  return { child, url: url! };
}

const mergeCounts = (...counts: Array<Record<string, number>>) => {
  const merged: Record<string, number> = {};
  for (const c of counts) for (const [route, n] of Object.entries(c)) merged[route] = (merged[route] ?? 0) + n;
  return merged;
};

const divide = (counts: Record<string, number>, by: number) => Object.fromEntries(Object.entries(counts).map(([route, n]) => [route, n / by]));

async function upstreamSnapshot(sims: Simulators) {
  const [iq, insp] = await Promise.all([simCounts(sims.origins.iqmetrix), simCounts(sims.origins.inspectorio)]);
  return { byRoute: mergeCounts(iq.byRoute, insp.byRoute), peak: { iqmetrix: iq.maxInFlight, inspectorio: insp.maxInFlight } };
}

async function resetUpstreamCounts(sims: Simulators): Promise<void> {
  await Promise.all([resetSimCounts(sims.origins.iqmetrix), resetSimCounts(sims.origins.inspectorio)]);
}

const quietPauseMs = Math.max(50, 3 * latencyMs);
const quiet = (sims: Simulators) => waitForQuiet(Object.values(sims.origins), quietPauseMs);

/** Upstream requests of each operation sent alone, averaged over the operation's bodies. */
async function singleOperationCounts(gateway: Gateway, sims: Simulators, operations: Operation[]): Promise<Record<string, number>> {
  await quiet(sims);
  await resetUpstreamCounts(sims);
  for (const op of operations) await postJson(gateway.url, op.body);
  await quiet(sims);
  return divide((await upstreamSnapshot(sims)).byRoute, operations.length);
}

/** Most operations per second the upstreams' in-flight caps allow, given requests per operation. */
function capRps(perOp: Record<string, number>): number {
  if (latencyMs === 0) return Infinity;
  const perUpstream = byUpstream(perOp);
  let best = Infinity;
  for (const upstream of ['iqmetrix', 'inspectorio'] as const) {
    if (perUpstream[upstream] > 0) best = Math.min(best, caps[upstream] / ((latencyMs / 1000) * perUpstream[upstream]));
  }
  return best;
}

/** What a run reports before anything is measured: the query, its setting and its expectations. */
function runHeader(query: BenchQuery, connections: number, cache: CacheMode): RunResult {
  const e = query.expectation;
  return {
    query: query.name,
    title: query.title,
    connections,
    cache,
    latencyMs,
    warmup: { requests: 0, failures: [] },
    expectation: e,
    minimumTotal: sum(e.minimum),
    idealMs: e.idealRounds * latencyMs,
    floorMs: e.floorRounds * latencyMs,
  };
}

async function measure(
  query: BenchQuery,
  operations: Operation[],
  connections: number,
  cache: CacheMode,
  gateway: Gateway,
  sims: Simulators,
  single: Record<string, number>,
): Promise<RunResult> {
  const result: RunResult = { ...runHeader(query, connections, cache), upstreamSingleOp: single };
  const warmupCount = warmupOverride ?? Math.max(50, 10 * connections);
  const label = `${query.name} @ ${connections}, cache ${cache}`;
  log(`${label}: warm-up, ${warmupCount} checked requests`);
  result.warmup = await warmUp(gateway.url, operations, warmupCount, connections, abort.signal);
  checkAborted();
  if (result.warmup.failures.length > 0) {
    result.error = `${result.warmup.failures.length} of ${result.warmup.requests} warm-up answers were wrong, first: ${result.warmup.failures[0]}`;
    log(`${label}: NOT MEASURED: ${result.error}`);
    return result;
  }
  await quiet(sims);
  await resetUpstreamCounts(sims);

  const rssBefore = rssBytes(gateway.child.pid);
  const cpuBefore = { gateway: cpuSeconds(gateway.child.pid), sims: cpuSeconds(sims.child.pid) };
  log(`${label}: ${durationSeconds} s of load`);
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const load = await runLoad({ url: gateway.url, connections, operations, durationSeconds, signal: abort.signal });
  result.windowUs = { fromUs, toUs: fromUs + Math.round(load.wallSeconds * 1e6) };
  const cpuAfter = { gateway: cpuSeconds(gateway.child.pid), sims: cpuSeconds(sims.child.pid) };
  const rssAfter = rssBytes(gateway.child.pid);
  checkAborted();
  await quiet(sims);
  const upstream = await upstreamSnapshot(sims);

  result.load = load;
  result.upstreamPerOp = divide(upstream.byRoute, load.sent);
  result.upstreamPerOpTotal = sum(result.upstreamPerOp);
  result.upstreamPeakInFlight = upstream.peak;
  result.p50OverIdeal = result.idealMs > 0 ? load.latencyMs.p50 / result.idealMs : undefined;
  result.capRps = capRps(result.upstreamPerOp);
  // The issue-12 bound: operations that each make their own reads (the counts of one sent alone).
  result.boundRps = capRps(single);
  result.rssBytes = { before: rssBefore, after: rssAfter };
  result.cpu = {
    gateway: (cpuAfter.gateway - cpuBefore.gateway) / load.wallSeconds,
    simulators: (cpuAfter.sims - cpuBefore.sims) / load.wallSeconds,
    gatewayMsPerOp: (1000 * (cpuAfter.gateway - cpuBefore.gateway)) / load.completed,
  };
  const l = load.latencyMs;
  log(
    `${label}: ${load.rps.toFixed(0)} rps, p50 ${l.p50.toFixed(1)} p95 ${l.p95.toFixed(1)} p99 ${l.p99.toFixed(1)} ms, ` +
      `${result.upstreamPerOpTotal.toFixed(2)} upstream/op (min ${result.minimumTotal}), errors ${errorCount(load)}`,
  );
  return result;
}

async function prepareAll(gateway: Gateway, names: string[]) {
  const queries = benchQueries(createDataset({ seed }), caps, { partners });
  const prepared = new Map<QueryName, { query: BenchQuery; operations: Operation[] }>();
  for (const name of names as QueryName[]) {
    const query = queries[name];
    prepared.set(name, { query, operations: await query.prepare((body) => postJson(gateway.url, body)) });
  }
  return { queries, prepared };
}

async function benchRuns(gateway: Gateway, sims: Simulators, cache: CacheMode): Promise<RunResult[]> {
  const { prepared } = await prepareAll(gateway, queryNames);
  const runs: RunResult[] = [];
  for (const [, { query, operations }] of prepared) {
    const single = await singleOperationCounts(gateway, sims, operations);
    for (const connections of connectionCounts) {
      checkAborted();
      try {
        runs.push(await measure(query, operations, connections, cache, gateway, sims, single));
      } catch (error) {
        if (abort.signal.aborted) throw error;
        const message = error instanceof Error ? error.message : String(error);
        log(`${query.name} @ ${connections}: failed: ${message}`);
        runs.push({ ...runHeader(query, connections, cache), error: message });
      }
    }
  }
  return runs;
}

interface SoakResult {
  connections: number;
  warmupRequests: number;
  requests: number;
  mix: string[];
  load: LoadResult;
  rss: {
    /** Idle, just after the warm-up and just after the last request (median of 5 readings over 1 s). */
    idleAfterWarmup: number;
    idleAtEnd: number;
    /** Under load: median of the samples in the first and in the last tenth of the measured requests. */
    firstTenth: number;
    lastTenth: number;
    max: number;
    /** lastTenth vs firstTenth: steady state at the end vs just after the warm-up. */
    growthPercent: number;
    /** Least-squares slope of RSS over the second half of the run, MB per 10 000 requests. */
    lateSlopeMbPer10k: number;
  };
  samples: Array<{ seconds: number; completed: number; rss: number }>;
  targetPercent: number;
  pass: boolean;
}

/** Median of a few RSS readings a moment apart: one reading can catch a GC mid-flight. */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(rssBytes(pid));
    await sleep(200);
  }
  return readings.sort((a, b) => a - b)[2]!;
}

function slope(points: Array<{ x: number; y: number }>): number {
  if (points.length < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function soak(gateway: Gateway, sims: Simulators): Promise<SoakResult> {
  const queries = benchQueries(createDataset({ seed }), caps);
  const mix = await prepareMix(queries, (body) => postJson(gateway.url, body));
  log(`soak: checking the mix (${mix.length} operations: ${mix.map((o) => o.label).join(', ')})`);
  const check = await warmUp(gateway.url, mix, Math.max(mix.length * 10, 100), soakConnections, abort.signal);
  if (check.failures.length > 0) throw new Error(`soak mix answers were wrong, first: ${check.failures[0]}`);

  log(`soak: warm-up, ${soakWarmup} requests at ${soakConnections} connections`);
  if (soakWarmup > 0) await runLoad({ url: gateway.url, connections: soakConnections, operations: mix, amount: soakWarmup, signal: abort.signal });
  checkAborted();
  await quiet(sims);
  const pid = gateway.child.pid;
  const idleAfterWarmup = await settledRss(pid);
  log(`soak: RSS after warm-up ${(idleAfterWarmup / MB).toFixed(1)} MB idle; ${soakRequests} requests follow`);

  const samples: SoakResult['samples'] = [];
  const started = Date.now();
  const sample = (completed: number) => {
    const rss = rssBytes(pid);
    samples.push({ seconds: (Date.now() - started) / 1000, completed, rss });
    return rss;
  };
  const load = await runLoad({
    url: gateway.url,
    connections: soakConnections,
    operations: mix,
    amount: soakRequests,
    signal: abort.signal,
    onTick: (completed) => {
      const rss = sample(completed);
      if (samples.length % 15 === 0) log(`soak: ${completed} / ${soakRequests} requests, RSS ${(rss / MB).toFixed(1)} MB`);
    },
  });
  checkAborted();
  await quiet(sims);
  const idleAtEnd = await settledRss(pid);

  // Steady state under load at both ends: the median RSS while the first and the last tenth of
  // the requests were served (RSS right after a burst and at idle differ by the heap V8 keeps).
  const tenth = Math.max(1, Math.floor(soakRequests / 10));
  const median = (values: number[]) => (values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
  const firstTenth = median(samples.filter((s) => s.completed <= tenth).map((s) => s.rss));
  const lastTenth = median(samples.filter((s) => s.completed >= soakRequests - tenth).map((s) => s.rss));
  const late = samples.slice(Math.floor(samples.length / 2)).map((s) => ({ x: s.completed, y: s.rss }));
  const growthPercent = (100 * (lastTenth - firstTenth)) / firstTenth;
  const targetPercent = 10;
  return {
    connections: soakConnections,
    warmupRequests: soakWarmup,
    requests: soakRequests,
    mix: mix.map((o) => o.label),
    load,
    rss: {
      idleAfterWarmup,
      idleAtEnd,
      firstTenth,
      lastTenth,
      max: Math.max(idleAtEnd, idleAfterWarmup, ...samples.map((s) => s.rss)),
      growthPercent,
      lateSlopeMbPer10k: (slope(late) * 10_000) / MB,
    },
    samples,
    targetPercent,
    pass: Number.isFinite(growthPercent) && growthPercent < targetPercent && errorCount(load) === 0 && !load.stoppedEarly,
  };
}

function soakMarkdown(s: SoakResult): string {
  const l = s.load;
  const rows = [
    ['requests (measured, after warm-up)', `${l.completed} of ${s.requests} in ${l.seconds.toFixed(0)} s (${l.rps.toFixed(0)} rps)`],
    ['warm-up requests', String(s.warmupRequests)],
    ['connections', String(s.connections)],
    ['mix (each connection cycles)', s.mix.join(', ')],
    ['latency p50 / p95 / p99 ms', `${l.latencyMs.p50.toFixed(1)} / ${l.latencyMs.p95.toFixed(1)} / ${l.latencyMs.p99.toFixed(1)}`],
    ['errors', String(errorCount(l))],
    ['gateway RSS under load, first tenth of the requests (median)', `${(s.rss.firstTenth / MB).toFixed(1)} MB`],
    ['gateway RSS under load, last tenth of the requests (median)', `${(s.rss.lastTenth / MB).toFixed(1)} MB`],
    ['gateway RSS idle, after warm-up → after the run', `${(s.rss.idleAfterWarmup / MB).toFixed(1)} → ${(s.rss.idleAtEnd / MB).toFixed(1)} MB`],
    ['gateway RSS max', `${(s.rss.max / MB).toFixed(1)} MB`],
    ['RSS growth (last tenth vs first tenth)', `${s.rss.growthPercent.toFixed(1)} % (target < ${s.targetPercent} %)`],
    ['RSS slope over the second half', `${s.rss.lateSlopeMbPer10k.toFixed(2)} MB per 10 000 requests`],
    ['result', s.pass ? 'PASS' : 'FAIL'],
  ];
  return markdownTable(['soak', 'value'], rows);
}

function newestProfile(pid: number): string {
  const files = readdirSync(profileDir)
    .filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.`))
    .map((f) => join(profileDir, f));
  if (files.length === 0) throw new Error(`no .cpuprofile for pid ${pid} in ${profileDir}`);
  return files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
}

/** The checked-out commit, read from .git without running git. */
function gitCommit(): string | undefined {
  try {
    const head = readFileSync(join(ROOT, '.git/HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    try {
      return readFileSync(join(ROOT, '.git', ref), 'utf8').trim();
    } catch {
      const packed = readFileSync(join(ROOT, '.git/packed-refs'), 'utf8');
      return packed.split('\n').find((line) => line.endsWith(` ${ref}`))?.split(' ')[0];
    }
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  mkdirSync(logDir, { recursive: true });
  mkdirSync(profileDir, { recursive: true });
  const startedAt = new Date();
  if (!flags['skip-build']) await build();
  checkAborted();

  log(`starting simulators (latency ${latencyMs} ms, seed ${seed})`);
  const sims = await startSimulators();

  const meta = {
    mode,
    startedAt: startedAt.toISOString(),
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    latencyMs,
    durationSeconds,
    connections: connectionCounts,
    cache: cacheModes,
    seed,
    caps,
    entry: flags.entry,
    nodeFlags: flags['node-flags'],
    gatewayIdleRssBytes: {} as Partial<Record<CacheMode, number>>,
    commit: gitCommit(),
  };
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const write = (name: string, json: unknown, markdown: string) => {
    const base = join(outDir, `${name}-${stamp}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(`${base}.md`, `${markdown}\n`);
    copyFileSync(`${base}.json`, join(outDir, `${name}-latest.json`));
    copyFileSync(`${base}.md`, join(outDir, `${name}-latest.md`));
    log(`wrote ${base}.json and .md`);
  };

  // One gateway per cache setting, one after the other, so each has the machine to itself.
  const runs: RunResult[] = [];
  let soakResult: SoakResult | undefined;
  let profile: ProfileSummary | undefined;
  let profileWindow: { fromUs: number; toUs: number } | undefined;
  for (const cache of cacheModes) {
    log(`starting gateway, cache ${cache}${mode === 'profile' ? ', under --cpu-prof' : ''}`);
    const gateway = await startGateway(sims, cache, mode === 'profile');
    const idleRss = rssBytes(gateway.child.pid);
    meta.gatewayIdleRssBytes[cache] = idleRss;
    log(`gateway ${gateway.url} (pid ${gateway.child.pid}, RSS ${(idleRss / MB).toFixed(1)} MB idle)`);

    if (mode === 'soak') {
      soakResult = await soak(gateway, sims);
    } else {
      const measured = await benchRuns(gateway, sims, cache);
      runs.push(...measured);
      if (mode === 'profile') {
        log('stopping the gateway so it writes its profile');
        const code = await stopChild(gateway.child);
        if (code !== '0') log(`gateway exited with ${code}`);
        const windows = measured.flatMap((r) => (r.windowUs ? [r.windowUs] : []));
        profileWindow = windows.length > 0 ? { fromUs: Math.min(...windows.map((w) => w.fromUs)), toUs: Math.max(...windows.map((w) => w.toUs)) } : undefined;
        profile = summarizeProfile(newestProfile(gateway.child.pid), ROOT, profileWindow);
      }
    }
    await stopChild(gateway.child);
  }

  const idle = cacheModes.map((c) => `${(meta.gatewayIdleRssBytes[c]! / MB).toFixed(1)} MB (cache ${c})`).join(', ');
  const header =
    `Gateway benchmark, ${meta.startedAt}: node ${meta.node}, ${meta.cpus}; upstream latency ${latencyMs} ms; ` +
    `in-flight caps iQmetrix ${caps.iqmetrix}, Inspectorio ${caps.inspectorio}; gateway idle RSS ${idle}` +
    `${flags.entry !== DEFAULT_ENTRY ? `; entry ${flags.entry}` : ''}${flags['node-flags'] ? `; node flags ${flags['node-flags']}` : ''}.`;

  if (soakResult) {
    const markdown = `${header}\n\n${soakMarkdown(soakResult)}`;
    write('soak', { meta, soak: soakResult }, markdown);
    process.stdout.write(`\n${markdown}\n`);
    return soakResult.pass ? 0 : 1;
  }

  let markdown = `${header}\n\n${runsTable(runs)}\n\n${derivations(runs)}`;
  if (cacheModes.includes('on')) {
    markdown +=
      '\n\nWith the cache on, the same few operations repeat within the cache TTLs, so nearly every upstream read is a hit: ' +
      'those rows show the hot path, and upstream/op below the minimum is the cache at work (minimum and ideal describe a cold operation).';
  }
  if (profile) {
    markdown +=
      `\n\nCPU profile \`${profile.file.replace(`${ROOT}/`, '')}\`, ${profileWindow ? 'the measured load only' : 'whole process'}: ${(profile.wallMs / 1000).toFixed(1)} s wall, ` +
      `${(profile.busyMs / 1000).toFixed(1)} s busy on the CPU (shares below are of busy time; the profiler slows the gateway, so the run above is not comparable with a plain one).\n\n` +
      `Top 15 functions by self time:\n\n${profileTable(profile)}\n\nSelf time by origin:\n\n${originTable(profile)}\n\n` +
      `Our code (src/) by time on the stack:\n\n${oursTable(profile)}`;
  }
  const json = { meta, runs, profile: profile && { ...profile, functions: profile.functions.slice(0, 200) } };
  write(mode, json, markdown);
  process.stdout.write(`\n${markdown}\n`);
  const failed = runs.filter((r) => !r.load || errorCount(r.load) > 0).length;
  return failed > 0 ? 1 : 0;
}

main()
  .then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (error: unknown) => {
      if (!abort.signal.aborted) log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      await cleanup();
      process.exit(abort.signal.aborted ? 130 : 1);
    },
  );
