import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { CallerContextPool } from '../../src/http/caller-context-pool.js';
import { startSimulators, type Simulators } from '../../src/sim/index.js';

// What the undici instrumentation depends on: when undici creates a request (and publishes
// `undici:request:create`), the async context is the caller's, also for a request that
// waited in the pool's queue for a connection.

let sims: Simulators;
beforeAll(async () => {
  // Slow answers, so that requests pile up behind the one connection.
  sims = await startSimulators({ latencyMs: 20 });
});
afterAll(() => sims.close());

it('creates every request in the async context of its caller, queued or not', async () => {
  const caller = new AsyncLocalStorage<string>();
  const seen: Array<{ path: string; caller: string | undefined }> = [];
  const onCreate = (message: unknown) => {
    const { request } = message as { request: { path: string } };
    seen.push({ path: request.path, caller: caller.getStore() });
  };
  diagnosticsChannel.subscribe('undici:request:create', onCreate);
  const pool = new CallerContextPool(new URL(sims.iqmetrix.url).origin, { connections: 1, pipelining: 1 });
  try {
    sims.iqmetrix.requests.reset();
    const names = ['first', 'second', 'third', 'fourth'];
    await Promise.all(
      names.map((name) =>
        caller.run(name, async () => {
          // No credential: the simulator answers 401, which is as good an answer as any here.
          const response = await pool.request({ method: 'GET', path: `/v1/Companies(1)?caller=${name}` });
          await response.body.dump();
        }),
      ),
    );
    // They did queue: the simulator never had two at once.
    expect(sims.iqmetrix.requests.count()).toBe(names.length);
    expect(sims.iqmetrix.requests.maxInFlight).toBe(1);
    expect(seen.map(({ path, caller }) => [new URL(path, 'http://x').searchParams.get('caller'), caller])).toEqual(names.map((n) => [n, n]));
  } finally {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    await pool.close();
  }
});
