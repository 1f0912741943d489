import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { PARTNER_SUPPLY_NETWORK } from '../../src/graph/example-queries.js';
import { startStack, type Stack } from '../helpers/stack.js';

// What a client sees at the edge: compressed answers, a page at `/`, and /readyz naming the
// upstreams without their credentials.

let stack: Stack;
let origin: string;

beforeAll(async () => {
  stack = await startStack({
    // Credentials in an upstream URL must never show on /readyz.
    targets: (sims, defaults) => ({ ...defaults, inspectorio: { ...defaults.inspectorio, url: sims.inspectorio.url.replace('http://', 'http://user:secret@') } }),
  });
  origin = stack.gateway.url.replace(/\/graphql$/, '');
});
afterAll(() => stack.close());

/** POSTs the PartnerSupplyNetwork query for the simulators' big partner, accepting `encoding`. */
async function supplyNetwork(encoding: string | undefined) {
  const response = await request(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(encoding ? { 'accept-encoding': encoding } : {}) },
    body: JSON.stringify({ query: PARTNER_SUPPLY_NETWORK, variables: { partnerId: stack.sims.dataset.fixtures.bigPartnerId } }),
  });
  return { status: response.statusCode, encoding: response.headers['content-encoding'], vary: String(response.headers.vary ?? ''), body: Buffer.from(await response.body.arrayBuffer()) };
}

describe('compression', () => {
  it('sends a PartnerSupplyNetwork answer gzip- or br-encoded when the client accepts it, decoding to the same JSON', async () => {
    const plain = await supplyNetwork(undefined);
    expect(plain.status).toBe(200);
    expect(plain.encoding).toBeUndefined();
    const json = JSON.parse(plain.body.toString('utf8'));
    expect(json.errors).toBeUndefined();
    expect(json.data.partner.companyRelationships.edges.length).toBeGreaterThan(0);
    expect(plain.body.length).toBeGreaterThan(1024);

    const gzip = await supplyNetwork('gzip');
    expect(gzip.encoding).toBe('gzip');
    expect(gzip.vary.toLowerCase()).toContain('accept-encoding');
    expect(gzip.body.length).toBeLessThan(plain.body.length / 2);
    expect(JSON.parse(gunzipSync(gzip.body).toString('utf8'))).toEqual(json);

    const br = await supplyNetwork('br');
    expect(br.encoding).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8'))).toEqual(json);
  });

  it('leaves answers under 1 kB as they are', async () => {
    const response = await request(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip, br' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(await response.body.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('GET /', () => {
  it('is a page leading to the explorer, Apollo Sandbox and /readyz, with nothing loaded from elsewhere', async () => {
    const response = await request(`${origin}/`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    const html = await response.body.text();
    expect(html).toContain('<a href="explorer/">');
    expect(html).toContain('<a href="graphql">');
    expect(html).toContain('<a href="readyz">');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('leaves out what is turned off', async () => {
    const bare = await startStack({ env: { EXPLORER: 'false', LANDING_PAGE: 'false', METRICS: 'false' } });
    try {
      const html = await (await request(bare.gateway.url.replace(/\/graphql$/, '/'))).body.text();
      expect(html).not.toContain('explorer/');
      expect(html).not.toContain('href="graphql"');
      expect(html).not.toContain('metrics');
      expect(html).toContain('<a href="readyz">');
    } finally {
      await bare.close();
    }
  });
});

describe('/readyz', () => {
  it('names the base URL of each upstream, without credentials', async () => {
    const response = await request(`${origin}/readyz`);
    const body = (await response.body.json()) as any;
    expect(body.upstreams).toEqual({ iqmetrix: stack.sims.iqmetrix.url, inspectorio: stack.sims.inspectorio.url });
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});
