import { collectInvalidValues } from '../../src/domain/checked.js';
import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport } from '../../src/http/transport.js';
import { SIM_INSPECTORIO_API_KEY, startSimulators, type Simulators } from '../../src/sim/index.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';

// Inspectorio's reference lists (relationship types, contact roles), read over real HTTP from the
// simulator with the gateway's own transport and mapping: one odd entry is left out (and marked,
// so the answer is not cached), the rest of the list stands.

let sims: Simulators;
let transport: UpstreamTransport;
beforeAll(async () => {
  sims = await startSimulators();
  transport = new UpstreamTransport('inspectorio', { ...DEFAULT_TRANSPORT_SETTINGS, url: sims.inspectorio.url, maxInFlight: 2 });
});
afterAll(async () => {
  await transport.close();
  await sims.close();
});
afterEach(() => sims.inspectorio.faults.clear());

async function read(route: typeof INSPECTORIO.routes.contactRoles | typeof INSPECTORIO.routes.relationshipTypes) {
  const request = { route: route.name, path: route.path(), headers: { apikey: SIM_INSPECTORIO_API_KEY } };
  const response = await transport.exchange(request);
  expect(response.status).toBe(200);
  return collectInvalidValues(() => route.map(transport.parseJson(request, response)));
}

it.each([
  ['contactRoles', () => sims.dataset.contactRoles],
  ['relationshipTypes', () => sims.dataset.relationshipTypes],
] as const)('%s: one entry without a string key and value is left out, the others stand', async (name, expected) => {
  const route = INSPECTORIO.routes[name];
  const whole = await read(route);
  expect(whole.value).toEqual(expected().map(({ key, value }) => ({ key, value })));
  expect(whole.invalid).toHaveLength(0);

  sims.inspectorio.faults.set(route.name, { rewrite: [{ path: 'data.1.value', value: 7 }, { path: 'data.2', value: 'not an entry' }] });
  const odd = await read(route);
  expect(odd.value).toEqual(expected().filter((_, i) => i !== 1 && i !== 2).map(({ key, value }) => ({ key, value })));
  expect(odd.invalid).toHaveLength(2);
  expect(odd.invalid[0]!.message).toBe('inspectorio sent a `data[]` that is not a reference entry with a string `key` and `value` (left out).');
});

it('a body without its data array still fails the call', async () => {
  sims.inspectorio.faults.set(INSPECTORIO.routes.contactRoles.name, { wrongShape: true });
  await expect(read(INSPECTORIO.routes.contactRoles)).rejects.toThrow(/no `data` array/);
});
