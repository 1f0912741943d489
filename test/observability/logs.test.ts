import { createLogger } from '../../src/logger.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN } from '../../src/sim/index.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// One structured line per operation, read from the gateway's real logger (the redacting one
// of src/logger.ts) writing into memory. The gateway runs in pass-through mode, so the
// caller's credentials arrive in request headers and travel to the upstreams.

const written: string[] = [];
const logger = createLogger({ write: (line: string) => void written.push(line) }, 'debug');
const lines = () => written.map((line) => JSON.parse(line) as Record<string, any>);
const operationLines = () => lines().filter((l) => l.msg === 'graphql operation');

const CREDENTIALS = { authorization: `Bearer ${SIM_IQMETRIX_TOKEN}`, 'x-inspectorio-api-key': SIM_INSPECTORIO_API_KEY };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { AUTH_MODE: 'passthrough', UPSTREAM_RETRY_BASE_DELAY_MS: '1', CACHE_ENABLED: 'false' }, gateway: { logger } });
});
afterAll(() => stack.close());
beforeEach(() => {
  written.length = 0;
  stack.resetCounts();
  stack.sims.iqmetrix.faults.clear();
});

describe('operation log', () => {
  it('writes one line per operation with the request id, name, duration, upstream calls and status', async () => {
    const ids = linkedCompanyIds(stack.sims.dataset, 2);
    const res = await stack.query(
      `query TwoCompanies { a: company(id: ${ids[0]}) { name organization { name } } b: company(id: ${ids[1]}) { name organization { name } } }`,
      {},
      { ...CREDENTIALS, 'x-request-id': 'req-logs-1' },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.headers['x-request-id']).toBe('req-logs-1');

    const [line, ...more] = operationLines();
    expect(more).toHaveLength(0);
    const seen = stack.upstreamRequests();
    expect(seen).toEqual({ 'GET /Companies({id})': 2, 'GET /v1/organizations': 1 });
    expect(line).toMatchObject({
      level: 30,
      requestId: 'req-logs-1',
      operationName: 'TwoCompanies',
      operationType: 'query',
      upstreamCalls: 3,
      upstreamCallsByUpstream: { iqmetrix: 2, inspectorio: 1 },
      httpStatus: 200,
    });
    expect(line!.durationMs).toBeGreaterThan(0);
    expect(line!.errorCodes).toBeUndefined();
  });

  it('gives a generated request id when the caller sends none', async () => {
    const res = await stack.query(`{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`, {}, CREDENTIALS);
    const [line] = operationLines();
    expect(line!.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line!.requestId).toBe(res.headers['x-request-id']);
    expect(line!.operationName).toBeNull();
  });

  it('lists the error codes, as a warning', async () => {
    const missing = stack.sims.dataset.fixtures.unknownCompanyId;
    stack.sims.iqmetrix.faults.set('GET /Partners({id})/Relationships/Companies', { status: 500 });
    await stack.query(
      `query Failing { company(id: ${missing}) { name } partner(id: ${stack.sims.dataset.fixtures.bigPartnerId}) { companyRelationships(first: 1) { totalCount } } }`,
      {},
      CREDENTIALS,
    );
    const [line] = operationLines();
    expect(line).toMatchObject({ level: 40, operationName: 'Failing', httpStatus: 200 });
    expect([...line!.errorCodes].sort()).toEqual(['NOT_FOUND', 'UPSTREAM_UNAVAILABLE']);
  });

  it('logs requests that never became an operation, with their HTTP status', async () => {
    const res = await stack.query(`query Broken { company(id: `, {}, CREDENTIALS);
    expect(res.status).toBe(400);
    const [line] = operationLines();
    expect(line).toMatchObject({ level: 40, httpStatus: 400, errorCodes: ['GRAPHQL_PARSE_FAILED'] });
    expect(line!.operationName).toBeUndefined();
  });
});

describe('credentials in logs', () => {
  it('never writes the caller’s token or API key, whatever the gateway logs', async () => {
    const ids = linkedCompanyIds(stack.sims.dataset, 3);
    await stack.query(`{ company(id: ${ids[0]}) { name organization { name } } }`, {}, CREDENTIALS);
    // Wrong credentials: the upstreams answer 401/403 and the errors are logged.
    await stack.query(`{ company(id: ${ids[1]}) { name organization { name } } }`, {}, { authorization: 'Bearer not-a-token', 'x-inspectorio-api-key': 'not-a-key' });
    stack.sims.iqmetrix.faults.set('*', { status: 503 });
    await stack.query(`{ company(id: ${ids[2]}) { name } }`, {}, CREDENTIALS);
    expect(operationLines()).toHaveLength(3);
    const output = written.join('');
    for (const secret of [SIM_IQMETRIX_TOKEN, SIM_INSPECTORIO_API_KEY, 'not-a-token', 'not-a-key']) expect(output).not.toContain(secret);
  });

  it('redacts the credential fields and headers of anything logged', () => {
    logger.info(
      {
        req: { headers: { authorization: 'Bearer secret-1', apikey: 'secret-2', 'x-inspectorio-api-key': 'secret-3', cookie: 'secret-4' } },
        headers: { authorization: 'Bearer secret-5', apikey: 'secret-6', 'x-inspectorio-api-key': 'secret-7' },
        upstream: { headers: { authorization: 'Bearer secret-8' }, token: 'secret-9', apiKey: 'secret-10' },
        token: 'secret-11',
        oauth: { password: 'secret-12', clientSecret: 'secret-13' },
        route: 'GET /Companies({id})',
      },
      'redaction check',
    );
    const [line] = lines();
    expect(written.join('')).not.toMatch(/secret-\d+/);
    expect(line).toMatchObject({ req: { headers: { authorization: '[redacted]' } }, token: '[redacted]', route: 'GET /Companies({id})' });
  });
});
