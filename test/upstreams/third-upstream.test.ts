import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN, startSimulators, type Simulators } from '../../src/sim/index.js';
import { staticCredential } from '../../src/upstreams/credentials.js';
import { Upstreams } from '../../src/upstreams/index.js';
import { codes, postGraphQL } from '../helpers/stack.js';
import { WAREHOUSE } from './warehouse/definition.js';
import { resolvers, typeDefs } from './warehouse/graph.js';

// docs/architecture.md, "How to add an upstream", followed to the letter: a definition
// (test/upstreams/warehouse/definition.ts), SDL and a resolver (./warehouse/graph.ts), handed
// to startGateway. Nothing in src/ knows the warehouse.

const API_KEY = 'warehouse-test-key';
const STOCK: Record<string, number> = { 'A-1': 12, 'B-2': 0 };

interface Seen {
  path: string;
  apiKey: string | undefined;
}

/** The warehouse: `GET /stock/{sku}` behind an API key, with a switch to fail. */
async function startWarehouse() {
  const seen: Seen[] = [];
  let failWith: number | undefined;
  const server = http.createServer((req, res) => {
    const apiKey = req.headers['x-api-key'];
    seen.push({ path: req.url ?? '', apiKey: typeof apiKey === 'string' ? apiKey : undefined });
    const answer = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (apiKey !== API_KEY) return answer(401, { message: 'missing or wrong API key' });
    if (failWith) return answer(failWith, { message: 'warehouse trouble' });
    const sku = decodeURIComponent(/^\/api\/stock\/([^/?]+)$/.exec(req.url ?? '')?.[1] ?? '');
    if (req.method !== 'GET' || !(sku in STOCK)) return answer(404, { message: `no such SKU ${sku}` });
    answer(200, { sku, on_hand: STOCK[sku] });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    seen,
    fail: (status: number | undefined) => {
      failWith = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let sims: Simulators;
let warehouse: Awaited<ReturnType<typeof startWarehouse>>;
let gateway: RunningGateway;

beforeAll(async () => {
  sims = await startSimulators();
  warehouse = await startWarehouse();
  // Given the definition, loadConfig reads the warehouse's CACHE_TTL_* variable too.
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', UPSTREAM_RETRY_BASE_DELAY_MS: '1', CACHE_TTL_WAREHOUSE_STOCK: '60' }, { upstreams: [WAREHOUSE] });
  gateway = await startGateway({
    config,
    upstreams: {
      iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 32 },
      inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 20 },
    },
    extensions: {
      upstreams: [{ definition: WAREHOUSE, url: warehouse.url, credentials: () => staticCredential('warehouse-key', 'x-api-key', API_KEY) }],
      typeDefs,
      resolvers,
    },
  });
});

afterAll(async () => {
  await gateway?.close();
  await warehouse?.close();
  await sims?.close();
});

beforeEach(() => {
  warehouse.seen.length = 0;
  warehouse.fail(undefined);
});

const query = (text: string) => postGraphQL(gateway.url, { query: text });

describe('a third upstream added through extensions', () => {
  it('answers its field through the gateway, beside the built-in upstreams', async () => {
    const companyId = [...sims.dataset.companies.keys()][0]!;
    const res = await query(`{ stockLevel(sku: "A-1") { sku onHand } company(id: ${companyId}) { name } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.stockLevel).toEqual({ sku: 'A-1', onHand: 12 });
    expect(res.body.data.company.name).toEqual(sims.dataset.companies.get(companyId)!.Name);
    // The route table's path under the configured base URL, with the definition's credential.
    expect(warehouse.seen).toEqual([{ path: '/api/stock/A-1', apiKey: API_KEY }]);
  });

  it('caches its reads for the lifetime its CACHE_TTL_* variable gives', async () => {
    expect((await query(`{ stockLevel(sku: "B-2") { onHand } }`)).body.data.stockLevel).toEqual({ onHand: 0 });
    expect((await query(`{ stockLevel(sku: "B-2") { onHand } }`)).body.data.stockLevel).toEqual({ onHand: 0 });
    expect(warehouse.seen).toHaveLength(1);
  });

  it('maps its failures to the contract codes, with its own name as `upstream`', async () => {
    const missing = await query(`{ stockLevel(sku: "Z-9") { onHand } }`);
    expect(missing.body.data.stockLevel).toBeNull();
    expect(missing.body.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: 'warehouse', upstreamStatus: 404 });

    warehouse.fail(503);
    const down = await query(`{ stockLevel(sku: "C-3") { onHand } }`);
    expect(down.body.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'warehouse', upstreamStatus: 503 });
    // The generic transport's retries (UPSTREAM_MAX_RETRIES, 2 by default) apply to it as to any upstream.
    expect(warehouse.seen.filter((s) => s.path === '/api/stock/C-3')).toHaveLength(3);
  });

  it('is in /readyz and the breaker gauge like the built-in upstreams', async () => {
    const base = gateway.url.replace(/\/graphql$/, '');
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { upstreams: Record<string, string> }).upstreams).toEqual({
      iqmetrix: sims.iqmetrix.url.replace(/\/$/, ''),
      inspectorio: sims.inspectorio.url.replace(/\/$/, ''),
      warehouse: warehouse.url,
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_upstream_breaker_state\{upstream="warehouse"\} 0$/m);
  });

  it('refuses a bad argument before any upstream call', async () => {
    const res = await query(`{ stockLevel(sku: "../admin") { onHand } }`);
    expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    expect(warehouse.seen).toHaveLength(0);
  });
});

describe('registering upstreams', () => {
  it('refuses an added upstream with a built-in name, before opening anything', () => {
    const targets = {
      iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 4 },
      inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 4 },
    };
    expect(() => new Upstreams({ targets, extra: [{ definition: { ...WAREHOUSE, name: 'iqmetrix' }, url: warehouse.url }] })).toThrow(/two upstreams are named "iqmetrix"/);
  });

  it("refuses an added upstream's cap or URL out of range, naming it, before opening anything", () => {
    const targets = {
      iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 4 },
      inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 4 },
    };
    const add = (extra: { url: string; maxInFlight?: number }) => () => new Upstreams({ targets, extra: [{ definition: WAREHOUSE, ...extra }] });
    expect(add({ url: warehouse.url, maxInFlight: 0 })).toThrow('upstream "warehouse": maxInFlight must be a whole number from 1 to 16 (got 0)');
    expect(add({ url: warehouse.url, maxInFlight: 17 })).toThrow(/from 1 to 16 \(got 17\)/);
    expect(add({ url: warehouse.url, maxInFlight: 2.5 })).toThrow(/got 2.5/);
    expect(add({ url: 'warehouse.local/api' })).toThrow(/url must be an absolute http\(s\) URL/);
    expect(add({ url: 'ftp://warehouse.local/api' })).toThrow(/url must be an http\(s\) URL/);
    // The definition's own URL rule.
    expect(add({ url: `${warehouse.url}/stock` })).toThrow(/url must not end with \/stock/);
  });

  it('a caller for an upstream the gateway does not have is a clear error', () => {
    const targets = {
      iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 4 },
      inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 4 },
    };
    const upstreams = new Upstreams({ targets });
    expect(() => upstreams.clientsFor({}).caller(WAREHOUSE)).toThrow(/upstream "warehouse" is not registered/);
  });
});
