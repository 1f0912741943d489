import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN, startSimulators, type Simulators } from '../../src/sim/index.js';
import { spawnGateway, type GatewayProcess } from '../helpers/child-gateway.js';

// SIGTERM to a real gateway process with operations in flight: it stops taking connections
// and answering /readyz with 200, lets those operations finish with their data, closes its
// pools and exits 0.

const LATENCY_MS = 1_500;
const SHUTDOWN_DELAY_MS = 300;
const IN_FLIGHT = 5;

let sims: Simulators;
let gateway: GatewayProcess | undefined;
const agent = new Agent({ connections: IN_FLIGHT + 2 });

beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(async () => {
  if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  await agent.close();
  await sims.close();
});

/** Resolves true when a new TCP connection is refused, false when it is accepted. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve(true) : reject(error)));
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(10);
  }
}

it('drains in-flight operations on SIGTERM, refuses new connections, and exits 0', async () => {
  gateway = await spawnGateway({
    IQMETRIX_URL: sims.iqmetrix.url,
    IQMETRIX_TOKEN: SIM_IQMETRIX_TOKEN,
    INSPECTORIO_URL: sims.inspectorio.url,
    INSPECTORIO_API_KEY: SIM_INSPECTORIO_API_KEY,
    SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
    // As deployed. (Apollo Server also stops itself on SIGTERM outside NODE_ENV=test; that
    // must not get in the way of main.ts's shutdown.)
    NODE_ENV: 'production',
  });
  const { url, port } = gateway;
  expect((await request(new URL('/readyz', url), { dispatcher: agent })).statusCode).toBe(200);

  sims.iqmetrix.faults.set('*', { latencyMs: LATENCY_MS });
  const ids = [...sims.dataset.companies.keys()].slice(0, IN_FLIGHT);
  const operations = ids.map(async (id) => {
    const response = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `query Slow($id: Int!) { company(id: $id) { companyId name } }`, variables: { id } }),
      dispatcher: agent,
    });
    return { status: response.statusCode, body: (await response.body.json()) as any, at: Date.now() };
  });
  await until(() => sims.iqmetrix.requests.inFlight === IN_FLIGHT, 'every operation waits on the upstream');

  const signalledAt = Date.now();
  gateway.child.kill('SIGTERM');

  // Not ready at once, though still accepting during SHUTDOWN_DELAY_MS (a fresh connection each time).
  await until(async () => {
    const response = await request(new URL('/readyz', url), { reset: true }).catch(() => undefined);
    return (await response?.body.json().then(() => response.statusCode)) === 503;
  }, '/readyz answers 503');
  // Then the listener closes while the operations are still waiting on the upstream.
  await until(() => refused(port), 'new connections are refused');
  const refusedAt = Date.now();
  expect(sims.iqmetrix.requests.inFlight).toBe(IN_FLIGHT);

  const results = await Promise.all(operations);
  for (const [i, { status, body, at }] of results.entries()) {
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.company.companyId).toBe(ids[i]);
    expect(body.data.company.name).toBe(sims.dataset.companies.get(ids[i]!)!.Name);
    expect(at).toBeGreaterThan(refusedAt);
  }
  expect(await gateway.exited).toBe(0);
  expect(refusedAt - signalledAt).toBeGreaterThanOrEqual(SHUTDOWN_DELAY_MS - 50);
  expect(await refused(port)).toBe(true);

  const stdout = gateway.stdout();
  expect(stdout).toContain('shutting down: finishing in-flight operations');
  expect(stdout).toContain('"msg":"shut down"');
  // One line per drained operation, all of them answered.
  const lines = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  expect(lines.filter((l) => l.msg === 'graphql operation' && l.operationName === 'Slow' && l.httpStatus === 200)).toHaveLength(IN_FLIGHT);
  // The service credentials came in through the environment; they never reach the output.
  for (const secret of [SIM_IQMETRIX_TOKEN, SIM_INSPECTORIO_API_KEY]) {
    expect(stdout).not.toContain(secret);
    expect(gateway.stderr()).not.toContain(secret);
  }
}, 60_000);
