import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { ConfigError, loadConfig } from '../../src/config.js';
import { CallerContextPool } from '../../src/http/caller-context-pool.js';
import { UpstreamSpans, redactUrl } from '../../src/observability/tracing/index.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';
import { recordingProxy, type RecordingProxy } from './recording-proxy.js';

// Spans go to memory. The provider is registered as the process's (as main.ts's is), which
// also installs the AsyncLocalStorage context manager the parent-child links depend on.

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

let stack: Stack;
// Between the gateway and each simulator, recording the headers the upstream receives.
let proxies: { iqmetrix: RecordingProxy; inspectorio: RecordingProxy };
/** iQmetrix's base URL as the gateway has it (the proxy's). */
let iqmetrixUrl: string;
beforeAll(async () => {
  proxies = { iqmetrix: await recordingProxy(), inspectorio: await recordingProxy() };
  // No cache: every read reaches the simulators, which count them.
  stack = await startStack({
    env: { UPSTREAM_RETRY_BASE_DELAY_MS: '1', CACHE_ENABLED: 'false' },
    gateway: { tracerProvider: provider },
    targets: (_, defaults) => ({
      iqmetrix: { ...defaults.iqmetrix, url: (iqmetrixUrl = proxies.iqmetrix.forwardTo(defaults.iqmetrix.url)) },
      inspectorio: { ...defaults.inspectorio, url: proxies.inspectorio.forwardTo(defaults.inspectorio.url) },
    }),
  });
});
afterAll(async () => {
  await stack.close();
  await Promise.all([proxies.iqmetrix.close(), proxies.inspectorio.close()]);
  await provider.shutdown();
});
beforeEach(() => {
  exporter.reset();
  stack.resetCounts();
  stack.sims.iqmetrix.faults.clear();
  proxies.iqmetrix.received.length = 0;
  proxies.inspectorio.received.length = 0;
});

/** The headers of every request the upstreams received since the test began. */
const receivedHeaders = () => [...proxies.iqmetrix.received, ...proxies.inspectorio.received];

const PARTNER_SUPPLY_NETWORK = `query PartnerSupplyNetwork($partnerId: Int!) {
  partner(id: $partnerId) {
    companyRelationships(first: 10) {
      nodes { company { companyId name organization { name relationships(first: 5) { totalCount } } } }
    }
  }
}`;

async function finishedSpans(): Promise<ReadableSpan[]> {
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

const isOperation = (s: ReadableSpan) => s.kind === SpanKind.SERVER;
const isUpstream = (s: ReadableSpan) => s.kind === SpanKind.CLIENT;

describe('traces', () => {
  it('gives one operation a span with one child span per upstream request the simulators saw', async () => {
    const res = await stack.query(PARTNER_SUPPLY_NETWORK, { partnerId: stack.sims.dataset.fixtures.bigPartnerId }, { 'x-request-id': 'req-trace-1' });
    expect(res.body.errors).toBeUndefined();
    const seen = stack.upstreamRequests();
    const requestCount = Object.values(seen).reduce((a, b) => a + b, 0);
    // Company fan-out, one organization batch, one relationship list per organization: several routes.
    expect(Object.keys(seen).length).toBeGreaterThanOrEqual(3);

    const spans = await finishedSpans();
    const operations = spans.filter(isOperation);
    expect(operations).toHaveLength(1);
    const [operation] = operations;
    expect(operation!.name).toBe('query PartnerSupplyNetwork');
    expect(operation!.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'PartnerSupplyNetwork',
      'gateway.request_id': 'req-trace-1',
      'http.response.status_code': 200,
    });
    expect(operation!.status.code).not.toBe(SpanStatusCode.ERROR);

    const upstream = spans.filter(isUpstream);
    expect(upstream).toHaveLength(requestCount);
    for (const span of upstream) {
      expect(span.spanContext().traceId).toBe(operation!.spanContext().traceId);
      expect(span.parentSpanContext?.spanId).toBe(operation!.spanContext().spanId);
      // Children run inside the operation.
      expect(hrMs(span.startTime)).toBeGreaterThanOrEqual(hrMs(operation!.startTime));
      expect(hrMs(span.endTime)).toBeLessThanOrEqual(hrMs(operation!.endTime));
    }
    const byName: Record<string, number> = {};
    for (const span of upstream) byName[span.name] = (byName[span.name] ?? 0) + 1;
    expect(byName).toEqual(seen);
  });

  it('describes each upstream request: method, URL, status, upstream and attempt', async () => {
    const [id] = linkedCompanyIds(stack.sims.dataset, 1);
    stack.sims.iqmetrix.faults.set('GET /Companies({id})', { status: 503, times: 1 });
    const res = await stack.query(`query OneCompany { company(id: ${id}) { name } }`);
    expect(res.body.errors).toBeUndefined();

    const upstream = (await finishedSpans()).filter(isUpstream);
    expect(upstream).toHaveLength(2);
    const [first, retry] = [...upstream].sort((a, b) => Number(a.attributes['http.request.resend_count']) - Number(b.attributes['http.request.resend_count']));
    const url = `${iqmetrixUrl}/Companies(${id})`;
    expect(first!.name).toBe('GET /Companies({id})');
    expect(first!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': url,
      'server.address': '127.0.0.1',
      'upstream.name': 'iqmetrix',
      'http.route': 'GET /Companies({id})',
      'http.request.resend_count': 0,
      'http.response.status_code': 503,
      'error.type': '503',
    });
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    expect(retry!.attributes).toMatchObject({ 'url.full': url, 'http.request.resend_count': 1, 'http.response.status_code': 200 });
    expect(retry!.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('sends the operation’s trace context and request id with every upstream request', async () => {
    const res = await stack.query(PARTNER_SUPPLY_NETWORK, { partnerId: stack.sims.dataset.fixtures.bigPartnerId }, { 'x-request-id': 'req-trace-propagation' });
    expect(res.body.errors).toBeUndefined();
    const spans = await finishedSpans();
    const [operation] = spans.filter(isOperation);
    const upstreamSpanIds = spans.filter(isUpstream).map((s) => s.spanContext().spanId);

    const received = receivedHeaders();
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received).toHaveLength(upstreamSpanIds.length);
    const parents: string[] = [];
    for (const headers of received) {
      // W3C: version-traceid-parentid-flags; the parent is the request's own CLIENT span.
      const [version, traceId, parentId, flags] = String(headers.traceparent).split('-');
      expect([version, traceId, flags]).toEqual(['00', operation!.spanContext().traceId, '01']);
      parents.push(parentId!);
      expect(headers['x-request-id']).toBe('req-trace-propagation');
    }
    expect(parents.sort()).toEqual([...upstreamSpanIds].sort());
  });

  it('keeps each operation’s upstream requests in its own trace when they wait for a connection', async () => {
    // One connection to iQmetrix and a slow simulator: concurrent operations queue for it.
    const proxy = await recordingProxy();
    const queued = await startStack({
      sims: { latencyMs: 20 },
      gateway: { tracerProvider: provider },
      targets: (_, defaults) => ({ ...defaults, iqmetrix: { ...defaults.iqmetrix, maxInFlight: 1, url: proxy.forwardTo(defaults.iqmetrix.url) } }),
    });
    try {
      const ids = linkedCompanyIds(queued.sims.dataset, 4);
      const results = await Promise.all(ids.map((id, i) => queued.query(`query One { company(id: ${id}) { name } }`, {}, { 'x-request-id': `req-queued-${i}` })));
      for (const res of results) expect(res.body.errors).toBeUndefined();
      expect(queued.sims.iqmetrix.requests.maxInFlight).toBe(1);

      const spans = await finishedSpans();
      const operations = spans.filter((s) => isOperation(s) && String(s.attributes['gateway.request_id']).startsWith('req-queued-'));
      expect(operations).toHaveLength(ids.length);
      // Four distinct traces, each with exactly its own operation's request.
      const byTrace = new Map(operations.map((op) => [op.spanContext().traceId, op]));
      expect(byTrace.size).toBe(ids.length);
      const upstream = spans.filter((s) => isUpstream(s) && byTrace.has(s.spanContext().traceId));
      expect(upstream).toHaveLength(ids.length);
      for (const span of upstream) expect(span.parentSpanContext?.spanId).toBe(byTrace.get(span.spanContext().traceId)!.spanContext().spanId);
      // What iQmetrix received agrees: each request names its operation's trace and request id.
      expect(proxy.received).toHaveLength(ids.length);
      for (const headers of proxy.received) {
        const traceId = String(headers.traceparent).split('-')[1]!;
        expect(headers['x-request-id']).toBe(byTrace.get(traceId)!.attributes['gateway.request_id']);
      }
    } finally {
      await queued.close();
      await proxy.close();
    }
  });

  it('marks an attempt cut by the operation’s deadline as an error, with the code the instrumentation records', async () => {
    const slow = await startStack({ env: { OPERATION_TIMEOUT_MS: '300' }, gateway: { tracerProvider: provider } });
    try {
      slow.sims.iqmetrix.faults.set('GET /Companies({id})', { hang: true });
      const res = await slow.query(`query Slow { company(id: ${linkedCompanyIds(slow.sims.dataset, 1)[0]}) { name } }`);
      expect(res.body.errors?.length).toBeGreaterThan(0);
      const spans = await finishedSpans();
      const [operation] = spans.filter((s) => isOperation(s) && s.attributes['graphql.operation.name'] === 'Slow');
      const cut = spans.filter((s) => isUpstream(s) && s.spanContext().traceId === operation!.spanContext().traceId);
      expect(cut).toHaveLength(1);
      expect(cut[0]!.status.code).toBe(SpanStatusCode.ERROR);
      // The deadline's signal aborts with a DOMException TimeoutError; the instrumentation records its legacy code.
      expect(cut[0]!.attributes['error.type']).toBe(23);
    } finally {
      await slow.close();
    }
  });

  it('records the error codes on the operation span', async () => {
    await stack.query(`query Missing { company(id: ${stack.sims.dataset.fixtures.unknownCompanyId}) { name } }`);
    const [operation] = (await finishedSpans()).filter(isOperation);
    expect(operation!.status.code).toBe(SpanStatusCode.ERROR);
    expect(operation!.attributes['graphql.error.codes']).toEqual(['NOT_FOUND']);
  });

  it('joins the caller’s trace when it sends traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    await stack.query(`{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`, {}, { traceparent: `00-${traceId}-${parentId}-01` });
    const spans = await finishedSpans();
    const [operation] = spans.filter(isOperation);
    expect(operation!.name).toBe('query');
    expect(operation!.spanContext().traceId).toBe(traceId);
    expect(operation!.parentSpanContext?.spanId).toBe(parentId);
    expect(spans.filter(isUpstream).every((s) => s.spanContext().traceId === traceId)).toBe(true);
  });

  it('records nothing and sends no trace context when no tracer provider is given, but still sends the request id', async () => {
    const proxy = await recordingProxy();
    const plain = await startStack({ targets: (_, defaults) => ({ ...defaults, iqmetrix: { ...defaults.iqmetrix, url: proxy.forwardTo(defaults.iqmetrix.url) } }) });
    try {
      // No X-Request-Id from the caller: the one the gateway made up is the one forwarded.
      const res = await plain.query(`{ company(id: ${linkedCompanyIds(plain.sims.dataset, 1)[0]}) { name } }`, {}, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
      expect(res.body.errors).toBeUndefined();
      expect(await finishedSpans()).toHaveLength(0);
      expect(proxy.received).toHaveLength(1);
      expect(proxy.received[0]!.traceparent).toBeUndefined();
      expect(proxy.received[0]!['x-request-id']).toBe(res.headers['x-request-id']);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await plain.close();
      await proxy.close();
    }
  });
});

describe('UpstreamSpans', () => {
  it('records the URL with credential-like query values redacted, and only the attempts it is told about', async () => {
    const spans = new UpstreamSpans(provider);
    const pool = new CallerContextPool(new URL(stack.sims.iqmetrix.url).origin, { connections: 1 });
    try {
      const url = `${stack.sims.iqmetrix.url}/Companies(1)?access_token=s3cret&$top=5`;
      const path = new URL(url).pathname + new URL(url).search;
      const info = { upstream: 'iqmetrix' as const, route: 'GET /Companies({id})', method: 'GET', url, attempt: 0 };
      await spans.observer.aroundAttempt!(info, async () => (await pool.request({ method: 'GET', path })).body.dump());
      // Not an attempt: another client's request in the same process.
      await (await pool.request({ method: 'GET', path })).body.dump();

      const recorded = (await finishedSpans()).filter(isUpstream);
      expect(recorded).toHaveLength(1);
      expect(recorded[0]!.attributes).toMatchObject({
        'url.full': `${stack.sims.iqmetrix.url}/Companies(1)?access_token=REDACTED&$top=5`,
        'url.query': '?access_token=REDACTED&$top=5',
        'http.route': 'GET /Companies({id})',
      });
      expect(JSON.stringify(recorded[0]!.attributes)).not.toContain('s3cret');
    } finally {
      spans.disable();
      await pool.close();
    }
  });
});

describe('redactUrl', () => {
  it('drops user info and the values of credential-like query parameters, keeping the rest as sent', () => {
    expect(redactUrl('https://user:pw@api.example.com/v1/Companies(5)?access_token=abc&$skip=0&$top=20&apikey=k&sig=s')).toBe(
      'https://REDACTED:REDACTED@api.example.com/v1/Companies(5)?access_token=REDACTED&$skip=0&$top=20&apikey=REDACTED&sig=REDACTED',
    );
    expect(redactUrl('http://h/v1/organizations?externalId=1,2,3')).toBe('http://h/v1/organizations?externalId=1,2,3');
  });
});

describe('tracing settings', () => {
  const tracing = (env: Record<string, string>) => loadConfig(env).tracing;

  it('is off unless asked for', () => {
    expect(tracing({})).toEqual({ exporter: 'none', serviceName: 'rest-graph-gateway', otlpTracesUrl: undefined });
  });

  it('turns on with an OTLP endpoint, or OTEL_TRACES_EXPORTER', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      exporter: 'otlp',
      serviceName: 'rest-graph-gateway',
      otlpTracesUrl: 'http://collector:4318/v1/traces',
    });
    expect(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom', OTEL_SERVICE_NAME: 'gw' })).toMatchObject({
      exporter: 'otlp',
      serviceName: 'gw',
      otlpTracesUrl: 'http://collector:4318/custom',
    });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ exporter: 'otlp', otlpTracesUrl: undefined });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporter).toBe('none');
    expect(tracing({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }).exporter).toBe('none');
  });

  it('refuses an exporter it does not have', () => {
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/OTEL_TRACES_EXPORTER must be one of otlp, console, none/);
  });
});

function hrMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
