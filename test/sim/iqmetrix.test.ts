import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import {
  createDataset,
  SIM_IQMETRIX_OAUTH,
  SIM_IQMETRIX_TOKEN,
  startIqmetrixSim,
  type IqmetrixSim,
  type SimDataset,
} from '../../src/sim/index.js';
import { bearer, call, form } from './http.js';

const auth = bearer(SIM_IQMETRIX_TOKEN);
let dataset: SimDataset;
let sim: IqmetrixSim;

beforeAll(async () => {
  dataset = createDataset();
  sim = await startIqmetrixSim({ dataset });
});
afterAll(() => sim.close());

const relationships = (partnerId: number, skip: number, top: number) => sim.url + IQMETRIX.routes.partnerCompanyRelationships.path(partnerId, skip, top);

describe('GET /Partners({id})/Relationships/Companies', () => {
  it('answers the documented envelope with relative links', async () => {
    const { bigPartnerId } = dataset.fixtures;
    const all = dataset.partners.get(bigPartnerId)!;
    const first = await call(relationships(bigPartnerId, 0, 5), { headers: auth });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.json).toEqual({
      _metadata: { count: all.length, skip: 0, top: 5 },
      _links: {
        prev: null,
        self: `/v1/Partners(${bigPartnerId})/Relationships/Companies?$skip=0&$top=5`,
        next: `/v1/Partners(${bigPartnerId})/Relationships/Companies?$skip=5&$top=5`,
      },
      items: all.slice(0, 5),
    });
    expect(Object.keys(first.json.items[0])).toEqual(['RelationshipId', 'CreatedUtc', 'CompanyId', 'CompanyName']);

    const middle = await call(relationships(bigPartnerId, 7, 5), { headers: auth });
    expect(middle.json._links.prev).toBe(`/v1/Partners(${bigPartnerId})/Relationships/Companies?$skip=2&$top=5`);
    expect(middle.json._links.next).toBe(`/v1/Partners(${bigPartnerId})/Relationships/Companies?$skip=12&$top=5`);

    const last = await call(relationships(bigPartnerId, all.length - 3, 5), { headers: auth });
    expect(last.json.items).toEqual(all.slice(-3));
    expect(last.json._links.next).toBeNull();

    const beyond = await call(relationships(bigPartnerId, all.length + 10, 5), { headers: auth });
    expect(beyond.json.items).toEqual([]);
    expect(beyond.json._metadata.count).toBe(all.length);
  });

  it('pages through every relationship with $top=100', async () => {
    const { bigPartnerId } = dataset.fixtures;
    const seen: unknown[] = [];
    for (let skip = 0; ; skip += 100) {
      const page = await call(relationships(bigPartnerId, skip, 100), { headers: auth });
      seen.push(...page.json.items);
      if (page.json._links.next === null) break;
    }
    expect(seen).toEqual(dataset.partners.get(bigPartnerId));
  });

  it('defaults to $skip=0 and $top=20 and accepts percent-encoded $', async () => {
    const { bigPartnerId } = dataset.fixtures;
    const plain = await call(`${sim.url}/Partners(${bigPartnerId})/Relationships/Companies`, { headers: auth });
    expect(plain.json._metadata).toEqual({ count: dataset.partners.get(bigPartnerId)!.length, skip: 0, top: 20 });
    expect(plain.json.items).toHaveLength(20);
    const encoded = await call(`${sim.url}/Partners(${bigPartnerId})/Relationships/Companies?%24skip=3&%24top=4`, { headers: auth });
    expect(encoded.json._metadata).toMatchObject({ skip: 3, top: 4 });
    expect(encoded.json.items).toEqual(dataset.partners.get(bigPartnerId)!.slice(3, 7));
    const zero = await call(relationships(bigPartnerId, 0, 0), { headers: auth });
    expect(zero.json).toMatchObject({ items: [], _links: { prev: null, next: null } });
  });

  it('answers an empty page for a partner without relationships', async () => {
    const partnerId = dataset.fixtures.emptyPartnerIds[0]!;
    const page = await call(relationships(partnerId, 0, 20), { headers: auth });
    expect(page.status).toBe(200);
    expect(page.json).toMatchObject({ _metadata: { count: 0, skip: 0, top: 20 }, _links: { prev: null, next: null }, items: [] });
  });

  it.each([
    ['$skip=-1&$top=5'],
    ['$skip=abc&$top=5'],
    ['$skip=1.5&$top=5'],
    ['$skip=&$top=5'],
    ['$skip=0&$top=101'],
    ['$skip=0&$top=-1'],
    ['$skip=0&$top=ten'],
  ])('answers 400 with a Message for %s', async (query) => {
    const res = await call(`${sim.url}/Partners(${dataset.fixtures.bigPartnerId})/Relationships/Companies?${query}`, { headers: auth });
    expect(res.status).toBe(400);
    expect(typeof res.json.Message).toBe('string');
  });

  it('answers 404 Entity Not Found for an unknown partner and 400 for a non-integer id', async () => {
    const unknown = await call(relationships(dataset.fixtures.unknownPartnerId, 0, 5), { headers: auth });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ Message: 'Entity Not Found' });
    const bad = await call(`${sim.url}/Partners(abc)/Relationships/Companies`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(typeof bad.json.Message).toBe('string');
  });

  it('answers a bare array in bareArray mode', async () => {
    const bare = await startIqmetrixSim({ dataset, bareArray: true });
    try {
      const res = await call(bare.url + IQMETRIX.routes.partnerCompanyRelationships.path(dataset.fixtures.bigPartnerId, 10, 3), { headers: auth });
      expect(res.json).toEqual(dataset.partners.get(dataset.fixtures.bigPartnerId)!.slice(10, 13));
    } finally {
      await bare.close();
    }
  });
});

describe('GET /Companies({id})', () => {
  it('answers the company as stored', async () => {
    for (const id of [14146, ...dataset.fixtures.linkedCompanyIds.slice(0, 3)]) {
      const res = await call(sim.url + IQMETRIX.routes.company.path(id), { headers: auth });
      expect(res.status).toBe(200);
      expect(res.json).toEqual(dataset.companies.get(id));
    }
  });

  it('keeps non-ASCII names intact', async () => {
    const company = [...dataset.companies.values()].find((c) => c.Name === '株式会社テレコム')!;
    const res = await call(sim.url + IQMETRIX.routes.company.path(company.Id), { headers: auth });
    expect(res.json.Name).toBe('株式会社テレコム');
  });

  it('answers 404 Entity Not Found, 400 for a non-integer id and 404 for other paths', async () => {
    const unknown = await call(sim.url + IQMETRIX.routes.company.path(dataset.fixtures.unknownCompanyId), { headers: auth });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ Message: 'Entity Not Found' });
    expect((await call(`${sim.url}/Companies(x1)`, { headers: auth })).status).toBe(400);
    expect((await call(`${sim.url}/Companies(1.5)`, { headers: auth })).status).toBe(400);
    const other = await call(`${sim.url}/Stores(1)`, { headers: auth });
    expect(other.status).toBe(404);
    expect(typeof other.json.Message).toBe('string');
  });
});

describe('auth', () => {
  it('answers 401 in plain text without, or with a wrong, bearer token', async () => {
    for (const headers of [{}, bearer('nope'), { authorization: `Basic ${SIM_IQMETRIX_TOKEN}` }]) {
      const res = await call(sim.url + IQMETRIX.routes.company.path(14146), { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.json).toBeUndefined();
      expect(res.text.length).toBeGreaterThan(0);
    }
  });

  it('answers without an Accept header', async () => {
    const res = await call(sim.url + IQMETRIX.routes.company.path(14146), { headers: { authorization: `Bearer ${SIM_IQMETRIX_TOKEN}` } });
    expect(res.status).toBe(200);
  });

  it('limits a scoped token to its companies, with 403 outside them', async () => {
    const [allowed, denied] = dataset.fixtures.linkedCompanyIds as [number, number];
    sim.addToken('scoped-token', { companies: [allowed] });
    const scoped = bearer('scoped-token');
    expect((await call(sim.url + IQMETRIX.routes.company.path(allowed), { headers: scoped })).status).toBe(200);
    const forbidden = await call(sim.url + IQMETRIX.routes.company.path(denied), { headers: scoped });
    expect(forbidden.status).toBe(403);
    expect(typeof forbidden.json.Message).toBe('string');
    expect((await call(relationships(dataset.fixtures.bigPartnerId, 0, 5), { headers: scoped })).status).toBe(200);
  });
});

describe('rate limiting', () => {
  it('sends the X-RateLimit headers on every response', async () => {
    const ok = await call(sim.url + IQMETRIX.routes.company.path(14146), { headers: auth });
    const denied = await call(sim.url + IQMETRIX.routes.company.path(14146));
    for (const res of [ok, denied]) {
      expect(res.headers.get('x-ratelimit-limit')).toBe('1000000');
      expect(Number(res.headers.get('x-ratelimit-remaining'))).toBeLessThan(1_000_000);
      expect(new Date(res.headers.get('x-ratelimit-reset')!).toISOString()).toBe(res.headers.get('x-ratelimit-reset'));
      expect(res.headers.get('x-ratelimit-resetseconds')).toMatch(/^\d+$/);
    }
    expect(Number(denied.headers.get('x-ratelimit-remaining'))).toBe(Number(ok.headers.get('x-ratelimit-remaining')) - 1);
  });

  it('answers 429 rate limit exceeded, in plain text and without Retry-After, over the limit', async () => {
    const limited = await startIqmetrixSim({ dataset, rateLimit: { limit: 3, windowSeconds: 30 } });
    try {
      const url = limited.url + IQMETRIX.routes.company.path(14146);
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await call(url, { headers: auth }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
      const tooMany = answers[3]!;
      expect(tooMany.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(tooMany.text).toBe('rate limit exceeded');
      expect(tooMany.headers.get('retry-after')).toBeNull();
      expect(Number(tooMany.headers.get('x-ratelimit-resetseconds'))).toBeGreaterThan(0);
      expect(Number(tooMany.headers.get('x-ratelimit-resetseconds'))).toBeLessThanOrEqual(30);
    } finally {
      await limited.close();
    }
  });
});

describe('POST /oauth2/token', () => {
  const tokenUrl = () => sim.accountsUrl + IQMETRIX.routes.token.path();
  const client = { client_id: SIM_IQMETRIX_OAUTH.clientId, client_secret: SIM_IQMETRIX_OAUTH.clientSecret };
  const passwordGrant = () =>
    call(tokenUrl(), form({ grant_type: 'password', username: SIM_IQMETRIX_OAUTH.username, password: SIM_IQMETRIX_OAUTH.password, ...client }));
  const companyWith = (token: string) => call(sim.url + IQMETRIX.routes.company.path(14146), { headers: bearer(token) });

  it('is served at accountsUrl', () => {
    expect(sim.accountsUrl).toBe(sim.url.replace(/\/v1$/, '/accounts/v1'));
  });

  it('grants tokens for a password, and a refresh revokes the old access and refresh tokens', async () => {
    const before = { ...sim.tokenGrants };
    const granted = await passwordGrant();
    expect(granted.status).toBe(200);
    expect(granted.json).toEqual({ access_token: expect.any(String), expires_in: 43200, refresh_token: expect.any(String) });
    expect(sim.tokenGrants.password).toBe(before.password + 1);
    expect((await companyWith(granted.json.access_token)).status).toBe(200);

    const refreshed = await call(tokenUrl(), form({ grant_type: 'refresh_token', refresh_token: granted.json.refresh_token, ...client }));
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).not.toBe(granted.json.access_token);
    expect(refreshed.json.refresh_token).not.toBe(granted.json.refresh_token);
    expect(sim.tokenGrants.refresh_token).toBe(before.refresh_token + 1);
    expect((await companyWith(granted.json.access_token)).status).toBe(401);
    expect((await companyWith(refreshed.json.access_token)).status).toBe(200);

    const reused = await call(tokenUrl(), form({ grant_type: 'refresh_token', refresh_token: granted.json.refresh_token, ...client }));
    expect(reused.status).toBe(400);
    expect(reused.json).toEqual({ error: 'invalid_grant' });
  });

  it('answers invalid_grant, invalid_client and unsupported_grant_type', async () => {
    const wrongPassword = await call(tokenUrl(), form({ grant_type: 'password', username: SIM_IQMETRIX_OAUTH.username, password: 'x', ...client }));
    expect([wrongPassword.status, wrongPassword.json]).toEqual([400, { error: 'invalid_grant' }]);
    const unknownRefresh = await call(tokenUrl(), form({ grant_type: 'refresh_token', refresh_token: 'nope', ...client }));
    expect([unknownRefresh.status, unknownRefresh.json]).toEqual([400, { error: 'invalid_grant' }]);
    const wrongClient = await call(
      tokenUrl(),
      form({ grant_type: 'password', username: SIM_IQMETRIX_OAUTH.username, password: SIM_IQMETRIX_OAUTH.password, client_id: client.client_id, client_secret: 'x' }),
    );
    expect([wrongClient.status, wrongClient.json]).toEqual([400, { error: 'invalid_client' }]);
    const wrongGrant = await call(tokenUrl(), form({ grant_type: 'client_credentials', ...client }));
    expect([wrongGrant.status, wrongGrant.json]).toEqual([400, { error: 'unsupported_grant_type' }]);
  });

  it('lets tests expire access tokens, revoke refresh tokens and shorten the TTL', async () => {
    const granted = (await passwordGrant()).json;
    sim.expireAccessTokens();
    expect((await companyWith(granted.access_token)).status).toBe(401);
    expect((await companyWith(SIM_IQMETRIX_TOKEN)).status).toBe(200);

    sim.revokeRefreshTokens();
    const refresh = await call(tokenUrl(), form({ grant_type: 'refresh_token', refresh_token: granted.refresh_token, ...client }));
    expect(refresh.json).toEqual({ error: 'invalid_grant' });

    sim.setTokenTtl(0);
    try {
      const instant = (await passwordGrant()).json;
      expect(instant.expires_in).toBe(0);
      expect((await companyWith(instant.access_token)).status).toBe(401);
    } finally {
      sim.setTokenTtl(43200);
    }
  });

  it('counts token requests under their own route, with custom credentials when configured', async () => {
    const custom = await startIqmetrixSim({
      dataset,
      tokens: [],
      oauth: { clientId: 'c', clientSecret: 's', username: 'u', password: 'p', tokenTtlSeconds: 60 },
    });
    try {
      expect((await call(custom.url + IQMETRIX.routes.company.path(14146), { headers: auth })).status).toBe(401);
      const granted = await call(custom.accountsUrl + IQMETRIX.routes.token.path(), form({ grant_type: 'password', username: 'u', password: 'p', client_id: 'c', client_secret: 's' }));
      expect(granted.json.expires_in).toBe(60);
      expect((await call(custom.url + IQMETRIX.routes.company.path(14146), { headers: bearer(granted.json.access_token) })).status).toBe(200);
      expect(custom.requests.count(IQMETRIX.routes.token.name)).toBe(1);
      expect(custom.requests.count(IQMETRIX.routes.company.name)).toBe(2);
    } finally {
      await custom.close();
    }
  });
});
