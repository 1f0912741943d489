import { GatewayMetrics, MAX_OPERATION_NAMES } from '../../src/observability/metrics/index.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';
import { scrape, series, total } from './prometheus.js';

// /metrics over real HTTP, checked against what the simulators counted.

let stack: Stack;
beforeAll(async () => {
  // No retry backoff to wait out in the retry test; no cache, so every read reaches the simulators.
  stack = await startStack({ env: { UPSTREAM_RETRY_BASE_DELAY_MS: '1', CACHE_ENABLED: 'false' } });
});
afterAll(() => stack.close());
beforeEach(() => {
  stack.resetCounts();
  stack.sims.iqmetrix.faults.clear();
  stack.sims.inspectorio.faults.clear();
});

const COMPANY_WITH_ORGANIZATION = `query CompanyWithOrganization($id: Int!) { company(id: $id) { companyId name organization { name } } }`;

describe('/metrics', () => {
  it('serves the text format with the process metrics', async () => {
    const { contentType, samples } = await scrape(stack.gateway.url);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(series(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(series(samples, 'nodejs_heap_size_used_bytes')).toHaveLength(1);
  });

  it('counts operations and upstream requests as the simulators saw them', async () => {
    const before = (await scrape(stack.gateway.url)).samples;
    const ids = linkedCompanyIds(stack.sims.dataset, 3);
    for (const id of ids) {
      const res = await stack.query(COMPANY_WITH_ORGANIZATION, { id });
      expect(res.body.errors).toBeUndefined();
    }
    const seen = stack.upstreamRequests();
    expect(seen).toEqual({ 'GET /Companies({id})': 3, 'GET /v1/organizations': 3 });

    const { samples } = await scrape(stack.gateway.url);
    const delta = (name: string, labels: Record<string, string>) => total(samples, name, labels) - total(before, name, labels);
    expect(delta('gateway_operation_duration_seconds_count', { operation: 'CompanyWithOrganization', outcome: 'ok' })).toBe(3);
    // The +Inf bucket holds every observation.
    expect(delta('gateway_operation_duration_seconds_bucket', { operation: 'CompanyWithOrganization', outcome: 'ok', le: '+Inf' })).toBe(3);
    expect(delta('gateway_operation_duration_seconds_sum', { operation: 'CompanyWithOrganization' })).toBeGreaterThan(0);

    for (const [route, count] of Object.entries(seen)) {
      const upstream = route === 'GET /Companies({id})' ? 'iqmetrix' : 'inspectorio';
      expect(delta('gateway_upstream_request_duration_seconds_count', { upstream, route, status: '200' })).toBe(count);
      expect(delta('gateway_upstream_request_duration_seconds_count', { route })).toBe(count);
    }
    expect(series(samples, 'gateway_upstream_breaker_state').map((s) => [s.labels.upstream, s.value]).sort()).toEqual([
      ['inspectorio', 0],
      ['iqmetrix', 0],
    ]);
    // Nothing is left in flight between requests.
    expect(total(samples, 'gateway_operations_in_flight')).toBe(0);
    expect(series(samples, 'gateway_upstream_requests_in_flight').every((s) => s.value === 0)).toBe(true);
  });

  it('counts retries by reason, and each attempt under its own status', async () => {
    const before = (await scrape(stack.gateway.url)).samples;
    const [id] = linkedCompanyIds(stack.sims.dataset, 1);
    stack.sims.iqmetrix.faults.set('GET /Companies({id})', { status: 503, times: 1 });
    const res = await stack.query(`query RetriedCompany($id: Int!) { company(id: $id) { name } }`, { id });
    expect(res.body.errors).toBeUndefined();
    expect(stack.upstreamRequests()).toEqual({ 'GET /Companies({id})': 2 });

    const { samples } = await scrape(stack.gateway.url);
    const delta = (name: string, labels: Record<string, string>) => total(samples, name, labels) - total(before, name, labels);
    const route = 'GET /Companies({id})';
    expect(delta('gateway_upstream_retries_total', { upstream: 'iqmetrix', route, reason: '503' })).toBe(1);
    expect(delta('gateway_upstream_request_duration_seconds_count', { upstream: 'iqmetrix', route, status: '503' })).toBe(1);
    expect(delta('gateway_upstream_request_duration_seconds_count', { upstream: 'iqmetrix', route, status: '200' })).toBe(1);
    expect(delta('gateway_operation_duration_seconds_count', { operation: 'RetriedCompany', outcome: 'ok' })).toBe(1);
  });

  it('labels errors by outcome, and unnamed and unparsable operations with fixed names', async () => {
    const before = (await scrape(stack.gateway.url)).samples;
    const missing = stack.sims.dataset.fixtures.unknownCompanyId;
    expect((await stack.query(`query MissingCompany { company(id: ${missing}) { name } }`)).body.errors).toHaveLength(1);
    const [id] = linkedCompanyIds(stack.sims.dataset, 1);
    expect((await stack.query(`{ company(id: ${id}) { name } }`)).body.errors).toBeUndefined();
    expect((await stack.query(`query Broken { company(id: `)).body.errors).toHaveLength(1);

    const { samples } = await scrape(stack.gateway.url);
    const delta = (labels: Record<string, string>) =>
      total(samples, 'gateway_operation_duration_seconds_count', labels) - total(before, 'gateway_operation_duration_seconds_count', labels);
    // `company` is nullable: null with NOT_FOUND is data with an error.
    expect(delta({ operation: 'MissingCompany', outcome: 'partial' })).toBe(1);
    expect(delta({ operation: 'anonymous', outcome: 'ok' })).toBe(1);
    expect(delta({ operation: 'invalid', outcome: 'error' })).toBe(1);
    expect(series(samples, 'gateway_operation_duration_seconds_count', { operation: 'Broken' })).toHaveLength(0);
  });

  it('exposes the cache counters for the shared cache to call', async () => {
    const { metrics } = stack.gateway.observability;
    metrics.cacheHit('iqmetrix', 'GET /Companies({id})');
    metrics.cacheHit('iqmetrix', 'GET /Companies({id})');
    metrics.cacheMiss('inspectorio', 'GET /v1/organizations');
    const { samples } = await scrape(stack.gateway.url);
    expect(total(samples, 'gateway_upstream_cache_hits_total', { upstream: 'iqmetrix', route: 'GET /Companies({id})' })).toBe(2);
    expect(total(samples, 'gateway_upstream_cache_misses_total', { upstream: 'inspectorio', route: 'GET /v1/organizations' })).toBe(1);
  });
});

describe('GatewayMetrics', () => {
  it('bounds the operation label: plain names only, and at most MAX_OPERATION_NAMES of them', () => {
    const metrics = new GatewayMetrics();
    expect(metrics.operationLabel(null)).toBe('anonymous');
    expect(metrics.operationLabel('PartnerSupplyNetwork')).toBe('PartnerSupplyNetwork');
    expect(metrics.operationLabel('a'.repeat(65))).toBe('other');
    expect(metrics.operationLabel('with-dash')).toBe('other');
    for (let i = 1; i < MAX_OPERATION_NAMES; i++) expect(metrics.operationLabel(`Op${i}`)).toBe(`Op${i}`);
    expect(metrics.operationLabel('OneTooMany')).toBe('other');
    // Names already seen keep their label.
    expect(metrics.operationLabel('Op7')).toBe('Op7');
  });

  it('keeps one registry per gateway, so two in one process do not share or clash', async () => {
    const a = new GatewayMetrics();
    const b = new GatewayMetrics();
    a.cacheHit('iqmetrix', 'GET /Companies({id})');
    expect(await a.registry.getSingleMetricAsString('gateway_upstream_cache_hits_total')).toContain('} 1');
    expect(await b.registry.getSingleMetricAsString('gateway_upstream_cache_hits_total')).not.toContain('} 1');
  });
});
