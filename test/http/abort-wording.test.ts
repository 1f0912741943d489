import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport } from '../../src/http/transport.js';
import { SIM_INSPECTORIO_API_KEY, startSimulators, type Simulators } from '../../src/sim/index.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';

// A call cut short by our own doing says which: the operation's deadline (its signal aborts with
// a TimeoutError) or its client going away (an AbortError). Over real HTTP, against a simulator
// that never answers.

let sims: Simulators;
let transport: UpstreamTransport;
beforeAll(async () => {
  sims = await startSimulators();
  transport = new UpstreamTransport('inspectorio', { ...DEFAULT_TRANSPORT_SETTINGS, url: sims.inspectorio.url, maxInFlight: 4 });
  sims.inspectorio.faults.set(INSPECTORIO.routes.contactRoles.name, { hang: true });
});
afterAll(async () => {
  await transport.destroy();
  await sims.close();
});

const call = (signal: AbortSignal) =>
  transport.exchange({ route: INSPECTORIO.routes.contactRoles.name, path: INSPECTORIO.routes.contactRoles.path(), headers: { apikey: SIM_INSPECTORIO_API_KEY }, signal });

it('the deadline: "aborted (operation deadline reached)"', async () => {
  await expect(call(AbortSignal.timeout(50))).rejects.toMatchObject({
    message: 'inspectorio GET /v1/contact-roles failed: aborted (operation deadline reached)',
    extensions: { code: 'UPSTREAM_UNAVAILABLE' },
  });
});

it('the client went away: says so, not "deadline reached"', async () => {
  sims.inspectorio.requests.reset();
  const clientGone = new AbortController();
  const pending = call(AbortSignal.any([AbortSignal.timeout(60_000), clientGone.signal]));
  // Once the request is on its way (the simulator holds it), the client leaves.
  while (sims.inspectorio.requests.count(INSPECTORIO.routes.contactRoles.name) < 1) await new Promise((resolve) => setImmediate(resolve));
  clientGone.abort();
  await expect(pending).rejects.toMatchObject({ message: 'inspectorio GET /v1/contact-roles failed: aborted (the client went away)' });
});
