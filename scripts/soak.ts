// `npm run soak [-- --help]`
//
// Drives the gateway for a while with a mix of queries while both simulators inject a rotating
// mix of faults into a share of their answers (5xx, 429, hangs that never end, 30 s hangs that do,
// resets, a proxy's HTML page, malformed and wrongly shaped bodies, a byte-order mark, values outside
// the contract), and checks that every response
// is a valid GraphQL response whose errors carry the codes of the contract, and that none comes
// later than the operation deadline plus 1 s. Reports the slowest response next to p99.
// Exits 0 when all holds, 1 when a check failed, 2 on a usage error.
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { ConfigError, loadConfig } from '../src/config.js';
import { encodeId } from '../src/graph/ids.js';
import { logger } from '../src/logger.js';
import { startGateway } from '../src/server.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN, startSimulators, type FaultSpec } from '../src/sim/index.js';

const USAGE = `usage: npm run soak -- [options]

  --duration SECONDS           how long to send requests (default 60)
  --concurrency N              connections, each sending one request after another (default 32)
  --fault-rate 0..1            share of upstream answers that get the current fault (default 0.2)
  --operation-timeout MS       OPERATION_TIMEOUT_MS of the gateway (default 10000); a response later
                               than this plus 1 s fails the run
  --hang-ms MS                 how long the "hang that ends" fault holds an upstream answer (default 30000)
  --cache                      turn the gateway's upstream read cache on (default off: every
                               operation goes upstream, through the faults)
  -h, --help                   this text

Other gateway settings come from the environment as usual (UPSTREAM_HEADERS_TIMEOUT_MS, REDIS_URL…).
Prints a JSON report: requests, HTTP statuses, error codes, latency p50/p95/p99 and the slowest
response (its query, status and codes), and the responses later than the deadline + 1 s.
Exit status: 0 all checks held; 1 an invalid response, a late response, a crash or no request at all; 2 usage.`;

function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        duration: { type: 'string', default: '60' },
        concurrency: { type: 'string', default: '32' },
        'fault-rate': { type: 'string', default: '0.2' },
        'operation-timeout': { type: 'string', default: '10000' },
        'hang-ms': { type: 'string', default: '30000' },
        cache: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
}

function number(name: string, raw: string, min: number, max: number, integer = true): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    usageError(`--${name} must be ${integer ? 'an integer' : 'a number'} in ${min}..${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const values = parseCommandLine();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const durationMs = number('duration', values.duration, 1, 86_400) * 1000;
const concurrency = number('concurrency', values.concurrency, 1, 1024);
const faultRate = number('fault-rate', values['fault-rate'], 0, 1, false);
const operationTimeoutMs = number('operation-timeout', values['operation-timeout'], 100, 300_000);
const hangMs = number('hang-ms', values['hang-ms'], 0, 600_000);
/** The check: no response may come later than this. */
const lateAfterMs = operationTimeoutMs + 1000;

// The codes a response may carry: the contract's (src/errors.ts), which includes INTERNAL_SERVER_ERROR
// for a masked bug; a soak only sends valid operations, so validation and edge codes would be wrong here.
const CONTRACT_CODES = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'UNAUTHENTICATED', 'FORBIDDEN', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

let unhandled = 0;
process.on('unhandledRejection', (reason) => {
  unhandled++;
  console.error('unhandled rejection:', reason);
});
process.on('uncaughtException', (error) => {
  unhandled++;
  console.error('uncaught exception:', error);
});

let config;
try {
  config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    OPERATION_TIMEOUT_MS: String(operationTimeoutMs),
    CACHE_ENABLED: String(values.cache),
  });
} catch (error) {
  if (error instanceof ConfigError) usageError(error.message);
  throw error;
}
// Per-operation log lines would drown the report.
logger.level = 'silent';
const sims = await startSimulators({ latencyMs: 2 });
const gateway = await startGateway({
  config,
  upstreams: {
    iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: config.maxInFlight.iqmetrix },
    inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: config.maxInFlight.inspectorio },
  },
});

const FAULTS: Array<[string, FaultSpec]> = [
  ['503', { status: 503 }],
  ['500', { status: 500 }],
  ['hang', { hang: true }],
  ['502', { status: 502 }],
  ['429', { rateLimited: { resetSeconds: 1, retryAfterSeconds: 1 } }],
  [`hang ${hangMs} ms`, { hang: hangMs }],
  ['malformed', { malformed: true }],
  ['html 502', { html: true }],
  ['wrongShape', { wrongShape: true }],
  ['reset', { reset: true }],
  ['bom', { bom: true }],
  // One value outside the contract in each list or batch: an id beyond GraphQL Int, an unknown type letter.
  [
    'odd values',
    {
      rewrite: [
        { path: 'items.0.CompanyId', value: 3_000_000_000 },
        { path: 'data.0.target.type', value: 'T' },
        { path: 'data.0.type', value: 'T' },
      ],
    },
  ],
];
// Every 2 s each simulator draws another fault kind for `faultRate` of its answers,
// plus jittered latency on everything.
let rotation = 0;
const faultsUsed = new Set<string>();
const rotate = () => {
  const [iqName, iq] = FAULTS[rotation % FAULTS.length]!;
  const [inspName, insp] = FAULTS[(rotation + 3) % FAULTS.length]!;
  faultsUsed.add(iqName).add(inspName);
  sims.iqmetrix.faults.set('*', { ...iq, probability: faultRate, latencyMs: 2, jitterMs: 8 });
  sims.inspectorio.faults.set('*', { ...insp, probability: faultRate, latencyMs: 2, jitterMs: 8 });
  rotation++;
};
rotate();
const rotator = setInterval(rotate, 2000);

const { dataset } = sims;
const companies = [...dataset.companies.keys()];
const organizations = [...dataset.organizations.keys()];
const partners = [...dataset.partners.keys()];
const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
const QUERIES: Array<{ name: string; make: () => { query: string; variables: Record<string, unknown> } }> = [
  {
    name: 'company',
    make: () => ({ query: `query($id: Int!) { company(id: $id) { name displayName organization { name type } } }`, variables: { id: pick(companies) } }),
  },
  {
    name: 'partnerSupplyNetwork',
    make: () => ({
      query: `query($p: Int!) { partner(id: $p) { companyRelationships(first: 25) { totalCount edges { cursor node { createdAt company { companyId name
      organization { name type relationships(first: 10, filter: { targetTypes: [FACTORY] }) { totalCount nodes { target { name inspId } types contacts { email role } permissions } } } } } } } } }`,
      variables: { p: pick(partners) },
    }),
  },
  {
    name: 'nodes',
    make: () => ({
      query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
      variables: { ids: Array.from({ length: 20 }, () => (Math.random() < 0.5 ? encodeId('Company', pick(companies)) : encodeId('Organization', pick(organizations)))) },
    }),
  },
  {
    name: 'organization',
    make: () => ({
      query: `query($id: Int!) { organization(id: $id) { name relationships(last: 5) { totalCount nodes { target { name } } } company { name } } }`,
      variables: { id: pick(organizations) },
    }),
  },
  { name: 'badInput', make: () => ({ query: `{ company(id: -1) { name } }`, variables: {} }) },
];

/** One answered (or failed) request: how long it took and what it was. */
interface Sample {
  ms: number;
  query: string;
  status: number | undefined;
  codes: string[];
  /** The fault kinds the simulators were drawing when it started. */
  faults: string;
  failure?: string;
}

const pool = new Pool(new URL(gateway.url).origin, { connections: concurrency });
// Far longer than any answer should take, so that the slowest is measured rather than cut off.
const clientTimeoutMs = operationTimeoutMs + hangMs + 30_000;
const samples: Sample[] = [];
const byCode = new Map<string, number>();
const httpStatuses = new Map<number, number>();
let invalid = 0;
let withData = 0;
const stopAt = Date.now() + durationMs;

function isValidResponse(body: unknown): body is { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> } {
  if (!body || typeof body !== 'object') return false;
  const { data, errors } = body as Record<string, unknown>;
  if (data === undefined && errors === undefined) return false;
  if (errors !== undefined && (!Array.isArray(errors) || errors.length === 0)) return false;
  return true;
}

const currentFaults = () => `iqmetrix ${FAULTS[(rotation - 1) % FAULTS.length]![0]}, inspectorio ${FAULTS[(rotation + 2) % FAULTS.length]![0]}`;

async function worker(): Promise<void> {
  while (Date.now() < stopAt) {
    const { name, make } = pick(QUERIES);
    const { query, variables } = make();
    const faults = currentFaults();
    const started = performance.now();
    const sample: Sample = { ms: 0, query: name, status: undefined, codes: [], faults };
    try {
      const response = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        headersTimeout: clientTimeoutMs,
        bodyTimeout: clientTimeoutMs,
      });
      const text = await response.body.text();
      sample.ms = performance.now() - started;
      sample.status = response.statusCode;
      httpStatuses.set(response.statusCode, (httpStatuses.get(response.statusCode) ?? 0) + 1);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (!isValidResponse(body)) {
        invalid++;
        sample.failure = `not a GraphQL response: ${text.slice(0, 200)}`;
      } else {
        if (body.data) withData++;
        for (const error of body.errors ?? []) {
          const code = String(error.extensions?.code);
          sample.codes.push(code);
          byCode.set(code, (byCode.get(code) ?? 0) + 1);
          if (!CONTRACT_CODES.has(code)) invalid++;
        }
      }
    } catch (error) {
      sample.ms = performance.now() - started;
      invalid++;
      sample.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      console.error('request failed:', error);
    }
    samples.push(sample);
  }
}

const startedAt = Date.now();
await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(rotator);
const elapsed = (Date.now() - startedAt) / 1000;
sims.iqmetrix.faults.clear();
sims.inspectorio.faults.clear();
await pool.close();
await gateway.close();
await sims.close();

const latencies = samples.map((s) => s.ms).sort((a, b) => a - b);
const pct = (p: number) => round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
const slowest = samples.reduce<Sample | undefined>((worst, s) => (worst === undefined || s.ms > worst.ms ? s : worst), undefined);
const late = samples.filter((s) => s.ms > lateAfterMs);
const describe = (s: Sample) => ({ ms: round(s.ms), query: s.query, status: s.status ?? null, codes: [...new Set(s.codes)], faults: s.faults, ...(s.failure ? { failure: s.failure } : {}) });

const report = {
  durationSeconds: Number(elapsed.toFixed(1)),
  concurrency,
  faultRate,
  faults: [...faultsUsed],
  cache: values.cache,
  operationTimeoutMs,
  requests: samples.length,
  rps: Number((samples.length / elapsed).toFixed(1)),
  responsesWithData: withData,
  invalidResponses: invalid,
  unhandledRejectionsOrExceptions: unhandled,
  httpStatuses: Object.fromEntries(httpStatuses),
  errorsByCode: Object.fromEntries([...byCode].sort((a, b) => b[1] - a[1])),
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), slowest: slowest ? round(slowest.ms) : null },
  slowest: slowest ? describe(slowest) : null,
  deadline: {
    lateAfterMs,
    lateResponses: late.length,
    examples: late.sort((a, b) => b.ms - a.ms).slice(0, 5).map(describe),
  },
};
console.log(JSON.stringify(report, null, 2));

const problems = [
  ...(samples.length === 0 ? ['no request completed'] : []),
  ...(invalid > 0 ? [`${invalid} invalid responses or codes outside the contract`] : []),
  ...(unhandled > 0 ? [`${unhandled} unhandled rejections or exceptions`] : []),
  ...(late.length > 0 ? [`${late.length} responses later than the deadline + 1 s (${lateAfterMs} ms); the slowest took ${round(slowest!.ms)} ms`] : []),
];
process.stderr.write(
  `p99 ${report.latencyMs.p99} ms, slowest ${report.latencyMs.slowest} ms (limit ${lateAfterMs} ms): ${problems.length === 0 ? 'all checks held' : `FAILED: ${problems.join('; ')}`}\n`,
);
process.exit(problems.length === 0 ? 0 : 1);

function round(ms: number | undefined): number | null {
  return ms === undefined ? null : Number(ms.toFixed(1));
}
