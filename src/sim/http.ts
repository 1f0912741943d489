import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import * as zlib from 'node:zlib';
import { STATUS_CODES } from 'node:http';
import type { UpstreamDefinition } from '../upstreams/definition.js';
import {
  applyRewrites,
  FaultControllerImpl,
  RequestLogImpl,
  rewritesOf,
  SIM_PROXY_INTERNAL_ADDRESS,
  UNMATCHED_ROUTE,
  type FaultAction,
  type FaultController,
  type FaultSpec,
  type RequestLog,
} from './control.js';

export interface RouteMatch {
  name: string;
  /** The raw `{id}` path segment, when the route has one. */
  id?: string;
}

export interface SimContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Percent-decoded path. */
  pathname: string;
  match: RouteMatch | undefined;
  credential: string | undefined;
}

export interface SimServerConfig {
  /** Where to listen (default 127.0.0.1, an ephemeral port) and the base latency added to every non-control request (default 0). */
  listen: { host?: string | undefined; port?: number | undefined; latencyMs?: number | undefined };
  /** The upstream simulated: requests are counted and faults injected by its route names. */
  definition: UpstreamDefinition;
  match(method: string, pathname: string): RouteMatch | undefined;
  credentialOf(req: IncomingMessage): string | undefined;
  /** Answers a fired fault other than hang/reset/html, in the upstream's format. */
  answerFault(ctx: SimContext, spec: FaultSpec, action: Exclude<FaultAction, 'hang' | 'reset' | 'html'>): void;
  serve(ctx: SimContext): Promise<void> | void;
  /** A bug in the simulator itself: answered as a 500 in the upstream's format. */
  internalError(res: ServerResponse, message: string): void;
}

export interface SimServer {
  /** `http://host:port`, no trailing slash. */
  origin: string;
  requests: RequestLog;
  faults: FaultController;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const MAX_BODY_BYTES = 1 << 20;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendRaw(res, status, JSON_TYPE, JSON.stringify(body), headers);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  sendRaw(res, status, TEXT_TYPE, text, headers);
}

/** The modifiers of a fired fault (rewrite, bom, headers), kept per response until it is sent. */
const modifiers = new WeakMap<ServerResponse, FaultSpec>();

/**
 * Sends a body verbatim (used for deliberately malformed JSON too). Every answer of a simulator goes
 * through here, so a fired fault's modifiers apply to the normal answer and to fault answers alike.
 */
export function sendRaw(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const noBody = status === 204 || status === 304;
  const spec = modifiers.get(res);
  const rewrites = spec ? rewritesOf(spec) : [];
  if (!noBody && rewrites.length > 0 && /\bjson\b/i.test(contentType)) body = rewriteJson(body, rewrites);
  if (!noBody && spec?.bom) body = `\uFEFF${body}`;
  const merged = new Map<string, [string, string]>();
  const put = (extra: Record<string, string>) => {
    for (const [name, value] of Object.entries(extra)) merged.set(name.toLowerCase(), [name, value]);
  };
  put(headers);
  if (!noBody) put({ 'Content-Type': contentType });
  // A fault's headers win over the simulator's own, Content-Type included; the length is always the real one.
  put(spec?.headers ?? {});
  const bytes = noBody ? undefined : spec?.encoding ? compress(spec.encoding, body) : Buffer.from(body, 'utf8');
  if (bytes && spec?.encoding) put({ 'Content-Encoding': CONTENT_ENCODING[spec.encoding] });
  if (bytes) put({ 'Content-Length': String(bytes.length) });
  res.writeHead(status, Object.fromEntries([...merged.values()]));
  res.end(bytes);
}

/** The Content-Encoding each `encoding` modifier value is sent as. */
const CONTENT_ENCODING: Record<NonNullable<FaultSpec['encoding']>, string> = {
  gzip: 'gzip',
  br: 'br',
  deflate: 'deflate',
  'deflate-raw': 'deflate',
  'gzip-unterminated': 'gzip',
  zstd: 'zstd',
};

function compress(encoding: NonNullable<FaultSpec['encoding']>, body: string): Buffer {
  switch (encoding) {
    case 'gzip':
      return zlib.gzipSync(body);
    case 'gzip-unterminated':
      // Everything but the CRC-32 and length trailer (RFC 1952 §2.2).
      return zlib.gzipSync(body).subarray(0, -8);
    case 'br':
      return zlib.brotliCompressSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'deflate-raw':
      return zlib.deflateRawSync(body);
    case 'zstd':
      // Checked when the fault is set (control.ts): only where the runtime's zlib has it.
      return (zlib as unknown as { zstdCompressSync: (data: string) => Buffer }).zstdCompressSync(body);
  }
}

function rewriteJson(body: string, rewrites: Parameters<typeof applyRewrites>[1]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // A deliberately malformed body stays malformed.
    return body;
  }
  return applyRewrites(parsed, rewrites) > 0 ? JSON.stringify(parsed) : body;
}

/** The page a reverse proxy in front of an upstream answers with when the upstream behind it fails. */
function proxyErrorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return [
    '<html>',
    `<head><title>${title}</title></head>`,
    '<body>',
    `<center><h1>${title}</h1></center>`,
    '<hr><center>nginx</center>',
    `<!-- upstream ${SIM_PROXY_INTERNAL_ADDRESS} (em-backend-02.internal) did not answer -->`,
    '</body>',
    '</html>',
    '',
  ].join('\r\n');
}

function sendHtmlFault(ctx: SimContext, html: NonNullable<FaultSpec['html']>): void {
  const options = typeof html === 'object' ? html : {};
  const status = options.status ?? 502;
  const credential = ctx.credential ?? '';
  const page = (options.body ?? proxyErrorPage(status))
    .replaceAll('{{credential}}', credential)
    .replaceAll('{{credential:json}}', jsonEscapedAll(credential))
    .replaceAll('{{credential:form}}', new URLSearchParams({ v: credential }).toString().slice(2))
    .replaceAll('{{credential:percent-lower}}', percentLower(credential))
    .replaceAll('{{url}}', ctx.req.url ?? '');
  sendRaw(ctx.res, status, 'text/html; charset=utf-8', page);
}

/** Every character but letters and digits as a JSON `\uXXXX` escape, the way a strict JSON encoder (System.Text.Json's default) may echo it. */
function jsonEscapedAll(text: string): string {
  return text.replace(/[^A-Za-z0-9]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`);
}

/** Every byte but letters and digits percent-encoded in lower case (`%2d`), as some encoders write it. */
function percentLower(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const SENTINEL_ID = 1_234_567_890;

/**
 * Turns a path builder such as `(id) => \`/Companies(${id})\`` into a matcher returning the raw id segment,
 * so the simulator routes on exactly the paths the gateway builds.
 */
export function idPathMatcher(build: (id: number) => string): (pathname: string) => string | undefined {
  const path = build(SENTINEL_ID).split('?')[0]!;
  const at = path.indexOf(String(SENTINEL_ID));
  const prefix = path.slice(0, at);
  const suffix = path.slice(at + String(SENTINEL_ID).length);
  return (pathname) => {
    if (pathname.length < prefix.length + suffix.length || !pathname.startsWith(prefix) || !pathname.endsWith(suffix)) return undefined;
    const id = pathname.slice(prefix.length, pathname.length - suffix.length);
    return id.includes('/') ? undefined : id;
  };
}

/** The path of a builder's output, without its query string. */
export function pathOf(built: string): string {
  return built.split('?')[0]!;
}

/** Parses an id path segment; undefined when it is not an integer. */
export function parseIntegerId(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^-?\d+$/.test(raw)) return undefined;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

export function formatOrigin(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

export async function startSimServer(config: SimServerConfig): Promise<SimServer> {
  const { host = '127.0.0.1', port: wantedPort = 0, latencyMs = 0 } = config.listen;
  const log = new RequestLogImpl();
  const faults = new FaultControllerImpl(Object.values(config.definition.routes).map((route) => route.name));
  const sockets = new Set<Socket>();
  const pendingSleeps = new Set<() => void>();
  let closed = false;

  /** Resolves false when the server closed first. */
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (closed) return resolve(false);
      const cancel = () => {
        clearTimeout(timer);
        pendingSleeps.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        pendingSleeps.delete(cancel);
        resolve(true);
      }, ms);
      pendingSleeps.add(cancel);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const rawUrl = req.url ?? '/';
    // Prefixing the origin keeps a path such as `//x` from being read as a protocol-relative URL.
    const url = new URL(`http://sim${rawUrl.startsWith('/') ? '' : '/'}${rawUrl}`);
    const pathname = decodePath(url.pathname);
    if (pathname === '/__sim' || pathname.startsWith('/__sim/')) {
      await control(req, res, url, pathname, log, faults);
      return;
    }

    const match = config.match(req.method ?? 'GET', pathname);
    const credential = config.credentialOf(req);
    const finish = log.begin(match?.name ?? UNMATCHED_ROUTE, rawUrl, credential);
    res.once('close', () => finish(res.writableFinished ? res.statusCode : 0));

    const decision = match ? faults.take(match.name, rawUrl) : { delayMs: 0 };
    if (decision.fired) modifiers.set(res, decision.fired.spec);
    const delay = latencyMs + decision.delayMs;
    if (delay > 0 && !(await sleep(delay))) return;
    if (res.destroyed) return;

    const ctx: SimContext = { req, res, url, pathname, match, credential };
    const action = decision.fired?.action;
    if (action === 'hang') {
      const hold = decision.fired!.spec.hang;
      if (typeof hold !== 'number') return;
      if (!(await sleep(hold)) || res.destroyed) return;
      await config.serve(ctx);
      return;
    }
    if (action === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (action === 'html') {
      sendHtmlFault(ctx, decision.fired!.spec.html!);
      return;
    }
    if (decision.fired && action !== undefined) {
      config.answerFault(ctx, decision.fired.spec, action);
      return;
    }
    await config.serve(ctx);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (closed) return;
      if (res.headersSent) res.destroy();
      else config.internalError(res, `simulator error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantedPort, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    origin: formatOrigin(host, port),
    requests: log,
    faults,
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const cancel of [...pendingSleeps]) cancel();
        server.close(() => resolve());
        // Hanging requests and idle keep-alive connections would otherwise keep close() waiting forever.
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function control(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pathname: string,
  log: RequestLogImpl,
  faults: FaultControllerImpl,
): Promise<void> {
  const route = `${req.method} ${pathname}`;
  if (route === 'GET /__sim/requests') return sendJson(res, 200, log.snapshot());
  if (route === 'POST /__sim/requests/reset') {
    log.reset();
    return sendRaw(res, 204, '', '');
  }
  if (route === 'POST /__sim/faults') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, { error: 'body must be JSON {"route": string, "spec": FaultSpec}' });
    }
    const { route: faultRoute, spec } = (parsed ?? {}) as { route?: unknown; spec?: unknown };
    if (typeof faultRoute !== 'string' || typeof spec !== 'object' || spec === null) {
      return sendJson(res, 400, { error: 'body must be JSON {"route": string, "spec": FaultSpec}' });
    }
    try {
      faults.set(faultRoute, spec as FaultSpec);
    } catch (error) {
      return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
    return sendRaw(res, 204, '', '');
  }
  if (route === 'DELETE /__sim/faults') {
    faults.clear(url.searchParams.get('route') ?? undefined);
    return sendRaw(res, 204, '', '');
  }
  sendJson(res, 404, { error: `no control route ${route}` });
}
