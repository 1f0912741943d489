import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { gzipSync } from 'node:zlib';
import { createLogger } from '../../src/logger.js';
import { hasZstd } from '../../src/sim/control.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_OAUTH, SIM_IQMETRIX_TOKEN, SIM_PROXY_INTERNAL_ADDRESS } from '../../src/sim/index.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// Issue 11, items 3 and 4, over real HTTP through the simulators' misbehaviour controls.
// 3: what a standard HTTP client decodes without complaint, the transport decodes too.
// 4: upstream error bodies stay out of client messages; a bounded, redacted excerpt is logged.

const written: string[] = [];
const logger = createLogger({ write: (line: string) => void written.push(line) }, 'debug');
const lines = () => written.map((line) => JSON.parse(line) as Record<string, any>);
const bodyLines = () => lines().filter((l) => typeof l.bodyExcerpt === 'string');

const PARTNER = 36;
const PAGE_QUERY = `query($id: Int!) { partner(id: $id) { companyRelationships(first: 100) { totalCount nodes { relationshipId company { name } } } } }`;

describe('bodies a standard HTTP client reads', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { UPSTREAM_MAX_BODY_BYTES: '8000' } });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    stack.sims.iqmetrix.faults.clear();
    stack.sims.inspectorio.faults.clear();
  });

  it('reads a JSON body that starts with a UTF-8 byte-order mark, on every route', async () => {
    stack.sims.iqmetrix.faults.set('*', { bom: true });
    stack.sims.inspectorio.faults.set('*', { bom: true });
    const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
    const res = await stack.query(`query($id: Int!) { company(id: $id) { name description organization { name relationships(first: 2) { totalCount } } } }`, { id });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.company.name).toBe(stack.sims.dataset.companies.get(id)!.Name);
    expect(res.body.data.company.organization.relationships.totalCount).toEqual(expect.any(Number));
  });

  // What undici's fetch decodes: deflate raw as well as zlib-wrapped, a gzip stream without its
  // trailer (flushed, not refused), zstd where the runtime has it.
  const encodings = ['gzip', 'br', 'deflate', 'deflate-raw', 'gzip-unterminated', ...(hasZstd ? (['zstd'] as const) : [])] as const;
  it.each(encodings)('reads a body a proxy compressed with %s (Content-Encoding), names intact', async (encoding) => {
    stack.sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { encoding, bom: true });
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { companyRelationships(first: 30) { nodes { company { name } } } } }`, { id: PARTNER });
    expect(res.body.errors).toBeUndefined();
    const names = res.body.data.partner.companyRelationships.nodes.map((n: any) => n.company.name);
    expect(names).toEqual(stack.sims.dataset.partners.get(PARTNER)!.slice(0, 30).map((r) => r.CompanyName));
  });

  const COMPANY = IQMETRIX.routes.company.name;
  const companyQuery = () => `{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`;

  it('a coding no standard client decodes is UPSTREAM_UNAVAILABLE naming it, never a crash, and is not retried', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Content-Encoding': 'snappy' } });
    stack.sims.iqmetrix.requests.reset();
    const res = await stack.query(companyQuery());
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors![0]!.message).toBe('iqmetrix answered GET /Companies({id}) with a body in an unsupported Content-Encoding (snappy).');
    expect(res.body.errors![0]!.extensions!.upstreamStatus).toBe(200);
    expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(1);
  });

  (hasZstd ? it.skip : it)('zstd on a runtime whose zlib lacks it: a clear unsupported-coding answer, one request', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Content-Encoding': 'zstd' } });
    stack.sims.iqmetrix.requests.reset();
    const res = await stack.query(companyQuery());
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors![0]!.message).toBe(
      'iqmetrix answered GET /Companies({id}) with a body in Content-Encoding zstd, which this Node.js runtime cannot decode (it needs Node.js 22.15 or later).',
    );
    expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(1);
  });

  it.each(['gzip', 'br', 'deflate'])('a body that says %s but does not decode: UPSTREAM_UNAVAILABLE in our words, one request, no retry', async (coding) => {
    // The normal JSON answer, labelled as compressed.
    stack.sims.iqmetrix.faults.set(COMPANY, { headers: { 'Content-Encoding': coding } });
    stack.sims.iqmetrix.requests.reset();
    const res = await stack.query(companyQuery());
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors![0]!.message).toBe(`iqmetrix answered GET /Companies({id}) with a body that could not be decoded (${coding}).`);
    expect(res.body.errors![0]!.message).not.toMatch(/Z_DATA_ERROR|ERR_|header check/);
    expect(stack.sims.iqmetrix.requests.count(COMPANY)).toBe(1);
  });

  it('an error answer whose body does not decode is still that answer: a 404 stays NOT_FOUND', async () => {
    stack.sims.iqmetrix.faults.set(COMPANY, { status: 404, headers: { 'Content-Encoding': 'gzip' } });
    const res = await stack.query(companyQuery());
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.message).toBe('iqmetrix answered GET /Companies({id}) with 404 Not Found.');
  });

  it('keeps the body size limit on the decoded body: a small compressed body that inflates past it is refused', async () => {
    const items = stack.sims.dataset.partners.get(PARTNER)!.slice(0, 100);
    // What the simulator sends, roughly: well over the limit as text, well under it compressed.
    expect(Buffer.byteLength(JSON.stringify(items))).toBeGreaterThan(8000);
    expect(gzipSync(JSON.stringify({ items })).length).toBeLessThan(4000);
    stack.sims.iqmetrix.faults.set(IQMETRIX.routes.partnerCompanyRelationships.name, { encoding: 'gzip' });
    stack.sims.iqmetrix.requests.reset();
    const res = await stack.query(PAGE_QUERY, { id: PARTNER });
    expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors![0]!.message).toBe('iqmetrix answered GET /Partners({id})/Relationships/Companies with a body larger than 8000 bytes.');
    // The same bytes would come back: not retried.
    expect(stack.sims.iqmetrix.requests.count(IQMETRIX.routes.partnerCompanyRelationships.name)).toBe(1);
    // The same page unencoded is refused the same way: the limit is on what is read, not on the wire.
    stack.sims.iqmetrix.faults.clear();
    expect(codes(await stack.query(PAGE_QUERY, { id: PARTNER }))).toEqual(['UPSTREAM_UNAVAILABLE']);
  });
});

describe('upstream error bodies stay out of client messages', () => {
  for (const mode of ['development', 'production'] as const) {
    describe(mode, () => {
      let stack: Stack;
      beforeAll(async () => {
        stack = await startStack({ env: { NODE_ENV: mode, UPSTREAM_MAX_RETRIES: '0' }, gateway: { logger } });
      });
      afterAll(() => stack.close());
      beforeEach(() => {
        written.length = 0;
      });
      afterEach(() => {
        stack.sims.iqmetrix.faults.clear();
        stack.sims.inspectorio.faults.clear();
      });

      it('a proxy’s 502 HTML page: the message names upstream, route, status and reason phrase; the page goes to the log only', async () => {
        stack.sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { html: true });
        const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
        const res = await stack.query(`query($id: Int!) { company(id: $id) { name } }`, { id });
        expect(res.body.errors).toHaveLength(1);
        const [error] = res.body.errors!;
        expect(error!.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'iqmetrix', upstreamStatus: 502 });
        expect(error!.message).toBe('iqmetrix answered GET /Companies({id}) with 502 Bad Gateway.');
        expect(JSON.stringify(res.body)).not.toContain(SIM_PROXY_INTERNAL_ADDRESS);
        const [logged] = bodyLines();
        expect(logged).toMatchObject({ upstream: 'iqmetrix', route: 'GET /Companies({id})', status: 502 });
        expect(logged!.bodyExcerpt).toContain(SIM_PROXY_INTERNAL_ADDRESS);
        expect(logged!.bodyExcerpt.length).toBeLessThanOrEqual(512);
      });

      it('an upstream that echoes the bearer token: in no message, redacted in the log', async () => {
        stack.sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, {
          html: { status: 401, body: '{"Message":"Authorization has been denied for Bearer {{credential}}"}' },
          headers: { 'Content-Type': 'application/json' },
        });
        const res = await stack.query(`{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`);
        expect(codes(res)).toEqual(['UNAUTHENTICATED']);
        expect(res.body.errors![0]!.message).toBe('iqmetrix answered GET /Companies({id}) with 401 Unauthorized.');
        expect(JSON.stringify(res.body)).not.toContain(SIM_IQMETRIX_TOKEN);
        expect(written.join('\n')).not.toContain(SIM_IQMETRIX_TOKEN);
        expect(bodyLines()[0]!.bodyExcerpt).toContain('[redacted]');
      });

      it('an upstream that echoes the apiKey, bare (no "Bearer", no key name): redacted as a configured secret', async () => {
        stack.sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { html: { status: 500, body: '<p>key {{credential}} rejected at {{url}}</p>' } });
        const res = await stack.query(`{ organization(id: ${stack.sims.dataset.fixtures.bigOrganizationId}) { name } }`);
        expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
        expect(res.body.errors![0]!.message).toBe('inspectorio answered GET /v1/organizations/{id} with 500 Internal Server Error.');
        expect(written.join('\n')).not.toContain(SIM_INSPECTORIO_API_KEY);
        expect(bodyLines()[0]!.bodyExcerpt).toMatch(/key \[redacted\] rejected/);
      });

      it('an echo that re-encodes the credential (JSON \\u escapes, form encoding, lower-case %xx): redacted in every spelling', async () => {
        stack.sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, {
          html: { status: 500, body: '{"a":"{{credential:json}}","b":"{{credential:form}}","c":"{{credential:percent-lower}}","d":"{{credential}}"}' },
          headers: { 'Content-Type': 'application/json' },
        });
        const res = await stack.query(`{ organization(id: ${stack.sims.dataset.fixtures.bigOrganizationId}) { name } }`);
        expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
        const excerpt = bodyLines()[0]!.bodyExcerpt as string;
        expect(excerpt).toBe('{"a":"[redacted]","b":"[redacted]","c":"[redacted]","d":"[redacted]"}');
        expect(written.join('\n')).not.toMatch(/u002Dinspectorio|%2dinspectorio|inspectorio-key/i);
      });

      it('a 200 whose body is a proxy’s HTML page: "not JSON" to the client, the page’s excerpt to the log', async () => {
        stack.sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { html: { status: 200 } });
        const res = await stack.query(`{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`);
        expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
        expect(res.body.errors![0]!.message).toBe('iqmetrix answered GET /Companies({id}) with a body that is not JSON.');
        expect(JSON.stringify(res.body)).not.toContain(SIM_PROXY_INTERNAL_ADDRESS);
        expect(bodyLines()[0]).toMatchObject({ upstream: 'iqmetrix', route: 'GET /Companies({id})', status: 200 });
        expect(bodyLines()[0]!.bodyExcerpt).toContain(SIM_PROXY_INTERNAL_ADDRESS);
      });

      it('a JSON error body’s own message stays out too (a 404 says what is missing in our words)', async () => {
        const res = await stack.query(`{ company(id: ${stack.sims.dataset.fixtures.unknownCompanyId}) { name } }`);
        expect(codes(res)).toEqual(['NOT_FOUND']);
        expect(res.body.errors![0]!.message).toBe('iqmetrix answered GET /Companies({id}) with 404 Not Found.');
      });
    });
  }
});

describe('the token endpoint’s error bodies', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      gateway: { logger },
      targets: (sims, d) => ({
        ...d,
        iqmetrix: { ...d.iqmetrix, token: undefined, oauth: { accountsUrl: sims.iqmetrix.accountsUrl, ...SIM_IQMETRIX_OAUTH } },
      }),
    });
  });
  afterAll(() => stack.close());

  it('a refused login that echoes the client secret and password: neither reaches the message nor the log', async () => {
    written.length = 0;
    stack.sims.iqmetrix.faults.set(IQMETRIX.routes.token.name, {
      html: { status: 400, body: `{"error":"invalid_grant","error_description":"bad password ${SIM_IQMETRIX_OAUTH.password} for client_secret=${SIM_IQMETRIX_OAUTH.clientSecret}"}` },
      headers: { 'Content-Type': 'application/json' },
    });
    const res = await stack.query(`{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`);
    expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    // OAuth's registered error code is a closed list, so it is named; its free-text description is not.
    expect(res.body.errors![0]!.message).toBe('iqmetrix answered POST /oauth2/token with 400 Bad Request (invalid_grant).');
    const everything = JSON.stringify(res.body) + written.join('\n');
    expect(everything).not.toContain(SIM_IQMETRIX_OAUTH.password);
    expect(everything).not.toContain(SIM_IQMETRIX_OAUTH.clientSecret);
    expect(bodyLines()[0]!.bodyExcerpt).toContain('invalid_grant');
  });
});
