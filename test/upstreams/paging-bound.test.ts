import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UpstreamError } from '../../src/errors.js';
import { Upstreams } from '../../src/upstreams/index.js';
import { MAX_PAGES_PER_CHUNK } from '../../src/upstreams/inspectorio/client.js';
import { INSPECTORIO_MAX_LIMIT } from '../../src/upstreams/inspectorio/definition.js';

// Inspectorio's externalId lookup follows pages up to a bound (inspectorio/client.ts). An
// upstream with more matches than that (or a wrong `total`) must not make the ids on the
// unread pages look like "no such organization".

let server: http.Server;
let url: string;
let requests = 0;

beforeAll(async () => {
  // Every page is full of organizations with externalId "A" and claims 5,000 in all: "B" is never seen.
  server = http.createServer((req, res) => {
    requests++;
    const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
    const data = Array.from({ length: INSPECTORIO_MAX_LIMIT }, (_, i) => ({ id: offset + i + 1, externalId: 'A', type: 'F', name: `Org ${offset + i + 1}`, inspId: null }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data, limit: INSPECTORIO_MAX_LIMIT, offset, total: 5_000 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('past the page bound, the ids not seen fail with UPSTREAM_UNAVAILABLE and the ids seen keep their organizations', async () => {
  const upstreams = new Upstreams({
    targets: { iqmetrix: { url: 'http://127.0.0.1:9', token: 't', maxInFlight: 1 }, inspectorio: { url, apiKey: 'k', maxInFlight: 4 } },
  });
  try {
    const pieces = await upstreams.clientsFor({}).inspectorio.findOrganizationsByExternalId(['A', 'B']);
    expect(requests).toBe(MAX_PAGES_PER_CHUNK);
    expect(pieces).toHaveLength(2);
    expect(pieces[0]!.externalIds).toEqual(['A']);
    expect(pieces[0]!.organizations).toHaveLength(MAX_PAGES_PER_CHUNK * INSPECTORIO_MAX_LIMIT);
    expect(pieces[1]!.externalIds).toEqual(['B']);
    const error = pieces[1]!.error as UpstreamError;
    expect(error.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'inspectorio' });
    expect(error.message).toBe('inspectorio GET /v1/organizations had more than the 10 pages read for one call; these keys were not among them, so whether they exist is unknown.');
  } finally {
    await upstreams.close();
  }
});
