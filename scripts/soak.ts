// `npm run soak [-- --duration 60 --concurrency 32 --fault-rate 0.2]`
//
// Drives the gateway for a while with a mix of queries while both simulators inject a
// rotating mix of faults into a share of their answers, and checks that every response is a
// valid GraphQL response whose errors carry the codes of the contract. Exits non-zero on a
// crash, an unhandled rejection or an invalid response.
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { loadConfig } from '../src/config.js';
import { encodeId } from '../src/graph/ids.js';
import { logger } from '../src/logger.js';
import { startGateway } from '../src/server.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN, startSimulators, type FaultSpec } from '../src/sim/index.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '32' },
    'fault-rate': { type: 'string', default: '0.2' },
  },
});
const durationMs = Number(values.duration) * 1000;
const concurrency = Number(values.concurrency);
const faultRate = Number(values['fault-rate']);

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

const env = {
  PORT: '0',
  HOST: '127.0.0.1',
  // Timeouts sized for a soak: a hang costs at most ~1 s per attempt and 3 s per operation.
  UPSTREAM_HEADERS_TIMEOUT_MS: '1000',
  UPSTREAM_BODY_TIMEOUT_MS: '1000',
  OPERATION_TIMEOUT_MS: '3000',
  UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: '1000',
  // Every operation goes upstream, through the faults, rather than being answered from the cache.
  CACHE_ENABLED: 'false',
};
// Per-operation log lines would drown the report.
logger.level = 'silent';
const sims = await startSimulators({ latencyMs: 2 });
const gateway = await startGateway({
  config: loadConfig(env),
  upstreams: {
    iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 32 },
    inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 20 },
  },
});

const FAULTS: Array<[string, FaultSpec]> = [
  ['503', { status: 503 }],
  ['500', { status: 500 }],
  ['502', { status: 502 }],
  ['429', { rateLimited: { resetSeconds: 1, retryAfterSeconds: 1 } }],
  ['hang', { hang: true }],
  ['malformed', { malformed: true }],
  ['wrongShape', { wrongShape: true }],
  ['reset', { reset: true }],
];
// Every 2 s each simulator draws another fault kind for `faultRate` of its answers,
// plus jittered latency on everything.
let rotation = 0;
const rotate = () => {
  const [, iq] = FAULTS[rotation % FAULTS.length]!;
  const [, insp] = FAULTS[(rotation + 3) % FAULTS.length]!;
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
const QUERIES: Array<() => { query: string; variables: Record<string, unknown> }> = [
  () => ({ query: `query($id: Int!) { company(id: $id) { name displayName organization { name type } } }`, variables: { id: pick(companies) } }),
  () => ({
    query: `query($p: Int!) { partner(id: $p) { companyRelationships(first: 25) { totalCount edges { cursor node { createdAt company { companyId name
      organization { name type relationships(first: 10, filter: { targetTypes: [FACTORY] }) { totalCount nodes { target { name inspId } types contacts { email role } permissions } } } } } } } } }`,
    variables: { p: pick(partners) },
  }),
  () => ({
    query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
    variables: { ids: Array.from({ length: 20 }, () => (Math.random() < 0.5 ? encodeId('Company', pick(companies)) : encodeId('Organization', pick(organizations)))) },
  }),
  () => ({ query: `query($id: Int!) { organization(id: $id) { name relationships(last: 5) { totalCount nodes { target { name } } } company { name } } }`, variables: { id: pick(organizations) } }),
  () => ({ query: `{ company(id: -1) { name } }`, variables: {} }),
];

const pool = new Pool(new URL(gateway.url).origin, { connections: concurrency });
const latencies: number[] = [];
const byCode = new Map<string, number>();
const httpStatuses = new Map<number, number>();
let requests = 0;
let invalid = 0;
let withData = 0;
const deadline = Date.now() + durationMs;

function isValidResponse(body: unknown): body is { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> } {
  if (!body || typeof body !== 'object') return false;
  const { data, errors } = body as Record<string, unknown>;
  if (data === undefined && errors === undefined) return false;
  if (errors !== undefined && (!Array.isArray(errors) || errors.length === 0)) return false;
  return true;
}

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const { query, variables } = pick(QUERIES)();
    const started = performance.now();
    try {
      const response = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
      const text = await response.body.text();
      latencies.push(performance.now() - started);
      requests++;
      httpStatuses.set(response.statusCode, (httpStatuses.get(response.statusCode) ?? 0) + 1);
      const body = JSON.parse(text) as unknown;
      if (!isValidResponse(body)) {
        invalid++;
        continue;
      }
      if (body.data) withData++;
      for (const error of body.errors ?? []) {
        const code = String(error.extensions?.code);
        byCode.set(code, (byCode.get(code) ?? 0) + 1);
        if (!CONTRACT_CODES.has(code)) invalid++;
      }
    } catch (error) {
      invalid++;
      console.error('request failed:', error);
    }
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

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]?.toFixed(1);
const report = {
  durationSeconds: Number(elapsed.toFixed(1)),
  concurrency,
  faultRate,
  requests,
  rps: Number((requests / elapsed).toFixed(1)),
  responsesWithData: withData,
  invalidResponses: invalid,
  unhandledRejectionsOrExceptions: unhandled,
  httpStatuses: Object.fromEntries(httpStatuses),
  errorsByCode: Object.fromEntries([...byCode].sort((a, b) => b[1] - a[1])),
  latencyMs: { p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1)?.toFixed(1) },
};
console.log(JSON.stringify(report, null, 2));
process.exit(invalid === 0 && unhandled === 0 && requests > 0 ? 0 : 1);
