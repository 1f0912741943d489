import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { request } from 'undici';
import type { Logger } from 'pino';
import { createLogger } from '../../src/logger.js';

// Test doubles for the edge: an identity provider's key set, a recorder of what upstreams
// receive, and a logger whose lines the test reads. All listen on 127.0.0.1 only.

export const ISSUER = 'https://login.test.example/';
export const AUDIENCE = 'https://graph.test.example';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  /** A token signed with this key: issuer, audience, sub and a 5-minute expiry unless overridden. */
  sign(claims?: JWTPayload, header?: { kid?: string | undefined }): Promise<string>;
}

export interface JwksServer {
  url: string;
  /** GET requests for the key set so far (failed ones included). */
  fetches: number;
  /** While true, every fetch of the key set gets HTTP 503 (an identity-provider outage). */
  failing: boolean;
  /** Creates a key; `publish: false` keeps it out of the key set (an unknown key). */
  addKey(alg: 'RS256' | 'ES256', options?: { publish?: boolean }): Promise<SigningKey>;
  close(): Promise<void>;
}

let kids = 0;

export async function startJwks(): Promise<JwksServer> {
  const published: JWK[] = [];
  const server = http.createServer((req, res) => {
    jwks.fetches += 1;
    if (jwks.failing) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('down for maintenance');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const jwks: JwksServer = {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: 0,
    failing: false,
    async addKey(alg, { publish = true } = {}) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `key-${++kids}`;
      if (publish) published.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
      return {
        kid,
        alg,
        sign: (claims = {}, header = { kid }) => {
          // A claim given as undefined is left out of the token.
          const defaults: JWTPayload = { iss: ISSUER, aud: AUDIENCE, sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 300, iat: Math.floor(Date.now() / 1000) };
          const payload = Object.fromEntries(Object.entries({ ...defaults, ...claims }).filter(([, v]) => v !== undefined));
          const jwt = new SignJWT(payload).setProtectedHeader({ alg, ...(header.kid !== undefined ? { kid: header.kid } : {}) });
          return jwt.sign(privateKey);
        },
      };
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return jwks;
}

/** Environment for a gateway that checks tokens against `jwks`. */
export function authEnv(jwks: JwksServer, extra: Record<string, string> = {}): Record<string, string> {
  return { AUTH_JWKS_URL: jwks.url, AUTH_JWT_ISSUER: ISSUER, AUTH_JWT_AUDIENCE: AUDIENCE, AUTH_REQUIRED: 'true', ...extra };
}

/** An unsigned token (`alg: none`), as an attacker would forge it. */
export function unsignedToken(claims: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: ISSUER, aud: AUDIENCE, sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 300, ...claims })}.`;
}

export interface RecordingProxy {
  /** Forwards to `target`'s origin from now on; returns the proxy's URL with `target`'s path. */
  urlFor(target: string): string;
  /** The headers of every request that reached the upstream through this proxy. */
  received: Array<Record<string, string | string[] | undefined>>;
  close(): Promise<void>;
}

/** Forwards everything to a simulator, remembering each request's headers. */
export async function recordingProxy(): Promise<RecordingProxy> {
  const received: RecordingProxy['received'] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    received.push({ ...req.headers });
    const { host: _host, connection: _connection, ...headers } = req.headers;
    request(`${origin}${req.url}`, { method: req.method as 'GET', headers })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        const { connection: _c, 'transfer-encoding': _t, ...out } = answer.headers;
        res.writeHead(answer.statusCode, out).end(body);
      })
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor(target) {
      const url = new URL(target);
      origin = url.origin;
      return `http://127.0.0.1:${port}${url.pathname.replace(/\/$/, '')}`;
    },
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A logger at `trace` that keeps every line it writes, with the process logger's redaction. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ write: (line: string) => void lines.push(line) }, 'trace'), lines };
}

/** GET /graphql with these query-string parameters (and Apollo's CSRF header unless `csrfHeader: false`). */
export async function getGraphQL(url: string, params: Record<string, string>, { csrfHeader = true, headers = {} }: { csrfHeader?: boolean; headers?: Record<string, string> } = {}) {
  const response = await request(`${url}?${new URLSearchParams(params)}`, {
    headers: { ...(csrfHeader ? { 'apollo-require-preflight': 'true' } : {}), ...headers },
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> } };
}
