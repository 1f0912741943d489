import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { Readiness } from '../../src/observability/readiness/index.js';
import type { BreakerState } from '../../src/http/transport.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { scrape, total } from './prometheus.js';

// /healthz says the process serves; /readyz says whether to send it work: not before it
// listens, not while it shuts down, not while the circuit of every upstream is open.

const HALF_OPEN_AFTER_MS = 2_000;

async function get(url: string, path: string): Promise<{ status: number; body: any }> {
  const response = await request(new URL(path, url));
  return { status: response.statusCode, body: await response.body.json() };
}

describe('/readyz with real breakers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      env: { UPSTREAM_MAX_RETRIES: '0', UPSTREAM_BREAKER_MIN_CALLS: '3', UPSTREAM_BREAKER_HALF_OPEN_AFTER_MS: String(HALF_OPEN_AFTER_MS), CACHE_ENABLED: 'false' },
    });
  });
  afterAll(() => stack.close());
  /** Where /readyz says the gateway points: the simulators' base URLs, as given to it. */
  const where = () => ({ iqmetrix: stack.sims.iqmetrix.url, inspectorio: stack.sims.inspectorio.url });

  /** Sends operations that need `upstream` until its circuit opens. */
  async function openCircuit(upstream: 'iqmetrix' | 'inspectorio'): Promise<void> {
    stack.sims[upstream].faults.set('*', { status: 503 });
    const { companies, organizations } = stack.sims.dataset;
    const query = upstream === 'iqmetrix' ? `{ company(id: ${[...companies.keys()][0]}) { name } }` : `{ organization(id: ${[...organizations.keys()][0]}) { name } }`;
    for (let i = 0; i < 10 && stack.gateway.upstreams[upstream].breakerState !== 'open'; i++) {
      const res = await stack.query(query);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    }
    expect(stack.gateway.upstreams[upstream].breakerState).toBe('open');
  }

  it('flips to 503 naming the open upstreams once every circuit is open, and back once they may probe', async () => {
    expect(await get(stack.gateway.url, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get(stack.gateway.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', openUpstreams: [], upstreams: where() } });

    await openCircuit('iqmetrix');
    // One upstream down still leaves the other's fields to serve.
    expect(await get(stack.gateway.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', openUpstreams: ['iqmetrix'], upstreams: where() } });

    await openCircuit('inspectorio');
    const down = await get(stack.gateway.url, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', reason: 'the circuit of every upstream is open', openUpstreams: ['iqmetrix', 'inspectorio'], upstreams: where() });
    // The liveness probe must not restart a process whose upstreams are down.
    expect((await get(stack.gateway.url, '/healthz')).status).toBe(200);

    const { samples } = await scrape(stack.gateway.url);
    expect(total(samples, 'gateway_upstream_breaker_state', { upstream: 'iqmetrix' })).toBe(2);
    expect(total(samples, 'gateway_upstream_breaker_state', { upstream: 'inspectorio' })).toBe(2);

    // Past the half-open delay the next call is a probe: ready again, so traffic comes to make it.
    stack.sims.iqmetrix.faults.clear();
    stack.sims.inspectorio.faults.clear();
    await sleep(HALF_OPEN_AFTER_MS + 100);
    expect(await get(stack.gateway.url, '/readyz')).toEqual({ status: 200, body: { status: 'ready', openUpstreams: [], upstreams: where() } });
    const res = await stack.query(`{ company(id: ${[...stack.sims.dataset.companies.keys()][0]}) { name } }`);
    expect(res.body.errors).toBeUndefined();
    expect(stack.gateway.upstreams.iqmetrix.breakerState).toBe('closed');
    const after = (await scrape(stack.gateway.url)).samples;
    expect(total(after, 'gateway_upstream_breaker_state', { upstream: 'iqmetrix' })).toBe(0);
  });
});

describe('/readyz while shutting down', () => {
  it('answers 503 from the start of close(), while the listener still accepts for SHUTDOWN_DELAY_MS', async () => {
    const stack = await startStack({ env: { SHUTDOWN_DELAY_MS: '300' } });
    try {
      expect((await get(stack.gateway.url, '/readyz')).status).toBe(200);
      const closing = stack.gateway.close();
      expect(await get(stack.gateway.url, '/readyz')).toEqual({ status: 503, body: { status: 'shutting down', reason: 'the server is draining its in-flight operations', upstreams: { iqmetrix: stack.sims.iqmetrix.url, inspectorio: stack.sims.inspectorio.url } } });
      await closing;
      await expect(get(stack.gateway.url, '/readyz')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await stack.sims.close();
    }
  });
});

describe('Readiness', () => {
  const states = (iqmetrix: BreakerState, inspectorio: BreakerState) => () => ({ iqmetrix, inspectorio });

  it('is not ready before the server listens', () => {
    const readiness = new Readiness(1_000);
    expect(readiness.report()).toMatchObject({ ready: false, body: { status: 'starting' } });
    readiness.markServing();
    expect(readiness.report().ready).toBe(true);
  });

  it('counts an open circuit only within its half-open delay, and an isolated one always', () => {
    const readiness = new Readiness(1_000);
    readiness.markServing();
    readiness.watchBreakers(states('open', 'isolated'));
    readiness.observer.onBreakerStateChange!({ upstream: 'iqmetrix', state: 'open' });
    expect(readiness.openUpstreams()).toEqual(['iqmetrix', 'inspectorio']);
    expect(readiness.report().ready).toBe(false);
    expect(readiness.openUpstreams(Date.now() + 1_000)).toEqual(['inspectorio']);
    readiness.observer.onBreakerStateChange!({ upstream: 'iqmetrix', state: 'half-open' });
    expect(readiness.openUpstreams()).toEqual(['inspectorio']);
  });
});
