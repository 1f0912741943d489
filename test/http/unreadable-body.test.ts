import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport } from '../../src/http/transport.js';
import { SIM_INSPECTORIO_API_KEY, startSimulators, type Simulators } from '../../src/sim/index.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';

// A body that cannot be decoded is the upstream's (or its proxy's) doing: it counts against the
// upstream's circuit like a 5xx, though it is never retried. Over real HTTP, through the simulator.

let sims: Simulators;
beforeAll(async () => {
  sims = await startSimulators();
});
afterAll(() => sims.close());

it('counts against the circuit, one request per call, until the circuit opens and nothing more is sent', async () => {
  const transport = new UpstreamTransport('inspectorio', {
    ...DEFAULT_TRANSPORT_SETTINGS,
    url: sims.inspectorio.url,
    maxInFlight: 2,
    breakerMinCalls: 4,
    breakerWindowMs: 60_000,
    breakerHalfOpenAfterMs: 60_000,
  });
  try {
    const route = INSPECTORIO.routes.contactRoles;
    sims.inspectorio.faults.set(route.name, { headers: { 'Content-Encoding': 'gzip' } });
    const call = () => transport.exchange({ route: route.name, path: route.path(), headers: { apikey: SIM_INSPECTORIO_API_KEY } });
    const messages: string[] = [];
    for (let i = 0; i < 8; i++) messages.push(await call().then(() => 'answered', (error: Error) => error.message));
    const undecodable = 'inspectorio answered GET /v1/contact-roles with a body that could not be decoded (gzip).';
    const open = 'inspectorio is failing; calls are suspended for a moment (circuit open).';
    expect(new Set(messages)).toEqual(new Set([undecodable, open]));
    const sent = messages.filter((m) => m === undecodable).length;
    // Never retried: one request for each call that went out; the circuit opened after a few.
    expect(sims.inspectorio.requests.count(route.name)).toBe(sent);
    expect(sent).toBeLessThan(8);
    expect(transport.breakerState).toBe('open');
  } finally {
    await transport.close();
  }
});
