import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

async function send(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  const response = await request(url, { method: init.method as 'GET', headers: init.headers, body: init.body });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** A query that would call an upstream if it ran. */
function companyQuery(stack: Stack): string {
  return `{ company(id: ${stack.sims.dataset.fixtures.linkedCompanyIds[0]}) { name } }`;
}

describe('in development (the defaults)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());
  beforeEach(() => stack.resetCounts());

  describe('CSRF prevention', () => {
    it('refuses a GET without a preflight-forcing header, before any upstream call', async () => {
      const res = await send(`${stack.gateway.url}?query=${encodeURIComponent(companyQuery(stack))}`, { method: 'GET' });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/Cross-Site Request Forgery/);
      expect(stack.upstreamRequests()).toEqual({});
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])('refuses a POST with the simple content type %s', async (contentType) => {
      const res = await send(stack.gateway.url, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify({ query: companyQuery(stack) }) });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/Cross-Site Request Forgery/);
      expect(stack.upstreamRequests()).toEqual({});
    });

    it('answers a GET that carries apollo-require-preflight, and a JSON POST', async () => {
      const get = await send(`${stack.gateway.url}?query=${encodeURIComponent(companyQuery(stack))}`, { method: 'GET', headers: { 'apollo-require-preflight': 'true' } });
      expect(get.status).toBe(200);
      expect(JSON.parse(get.text).data.company.name).toEqual(expect.any(String));
      const post = await stack.query(companyQuery(stack));
      expect(post.status).toBe(200);
    });
  });

  it('allows any origin', async () => {
    const res = await stack.query('{ __typename }', undefined, { origin: 'https://anywhere.example' });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    const preflight = await send(stack.gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
  });

  it('allows introspection and serves the Sandbox landing page', async () => {
    const res = await stack.query('{ __schema { queryType { name } } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const page = await send(stack.gateway.url, { method: 'GET', headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toMatch(/sandbox/i);
  });
});

describe('in production, unconfigured', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production' } });
  });
  afterAll(() => stack.close());

  it('refuses introspection', async () => {
    const res = await stack.query('{ __schema { queryType { name } } }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0]?.message).toMatch(/Introspection is turned off on this gateway.*INTROSPECTION=true/);
    // __typename is not introspection: clients' caches depend on it.
    expect((await stack.query('{ __typename }')).body.data).toEqual({ __typename: 'Query' });
  });

  it('serves no landing page', async () => {
    // The preflight header gets the request past CSRF prevention, to where the landing page would be served.
    const page = await send(stack.gateway.url, { method: 'GET', headers: { accept: 'text/html', 'apollo-require-preflight': 'true' } });
    // Apollo answers 406: it can send only JSON, and the client accepts only HTML.
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(page.headers['content-type']).not.toMatch(/html/);
    expect(page.text).not.toMatch(/sandbox|<html/i);
  });

  it('sends no CORS headers to any origin', async () => {
    const res = await stack.query('{ __typename }', undefined, { origin: 'https://anywhere.example' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await send(stack.gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://anywhere.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('in production with CORS_ORIGINS and INTROSPECTION=true', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: { NODE_ENV: 'production', INTROSPECTION: 'true', CORS_ORIGINS: 'https://app.example.com, http://localhost:3000/' } });
  });
  afterAll(() => stack.close());

  it('allows introspection, still without a landing page', async () => {
    const res = await stack.query('{ __schema { queryType { name } } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const page = await send(stack.gateway.url, { method: 'GET', headers: { accept: 'text/html', 'apollo-require-preflight': 'true' } });
    expect(page.text).not.toMatch(/sandbox|<html/i);
  });

  it.each(['https://app.example.com', 'http://localhost:3000'])('echoes the allowed origin %s', async (origin) => {
    const res = await stack.query('{ __typename }', undefined, { origin });
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(String(res.headers.vary)).toMatch(/Origin/);
    const preflight = await send(stack.gateway.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
  });

  it.each(['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com'])('gives %s no Access-Control-Allow-Origin', async (origin) => {
    const res = await stack.query('{ __typename }', undefined, { origin });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await send(stack.gateway.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});
