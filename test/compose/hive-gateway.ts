import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { postGraphQL, type GraphQLResponse } from '../helpers/stack.js';

// Hive Gateway (@graphql-hive/gateway), a real router from npm, run the way its users run it:
// its own CLI, `hive-gateway supergraph <file>`, in a process of its own, on this Node.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'node_modules/@graphql-hive/gateway/dist/bin.js');

export interface HiveGateway {
  url: string;
  query<T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stderr(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface HiveGatewayOptions {
  /**
   * Written as the `gatewayConfig` export of a config file (`hive-gateway -c`), e.g.
   * `{ demandControl: { maxCost: 1000 } }`. Plain data only.
   */
  config?: Record<string, unknown>;
  startTimeoutMs?: number;
}

/** Starts `hive-gateway supergraph` over the given supergraph SDL; resolves once it answers GraphQL. */
export async function startHiveGateway(supergraphSdl: string, options: HiveGatewayOptions = {}): Promise<HiveGateway> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const directory = mkdtempSync(path.join(tmpdir(), 'hive-gateway-'));
  const file = path.join(directory, 'supergraph.graphql');
  writeFileSync(file, supergraphSdl);
  const args = [CLI, 'supergraph', file, '--host', '127.0.0.1', '--port', String(await freePort()), '--disable-websockets'];
  if (options.config) {
    const configFile = path.join(directory, 'gateway.config.mjs');
    writeFileSync(configFile, `export const gatewayConfig = ${JSON.stringify(options.config)};\n`);
    args.push('--config-path', configFile);
  }
  const { JEST_WORKER_ID: _jest, NODE_OPTIONS: _options, ...inherited } = process.env;
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: directory,
    env: { ...inherited, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${args[args.indexOf('--port') + 1]}/graphql`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`hive-gateway exited before it was ready\nstdout:\n${out}\nstderr:\n${err}`);
    try {
      const res = await postGraphQL(url, { query: '{ __typename }' });
      if (res.body.data?.__typename === 'Query') break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`hive-gateway did not answer within ${startTimeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    query: (query, variables) => postGraphQL(url, { query, variables }),
    stderr: () => err,
    stop: async () => {
      if (!gone) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A GraphQL request as a subgraph received it from the router. */
export interface ForwardedRequest {
  query: string;
  variables?: Record<string, unknown>;
}

export interface RecordingProxy {
  url: string;
  /** Requests forwarded since the last `reset`. */
  requests: ForwardedRequest[];
  reset(): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of one subgraph that records what the router sends it, so that a test
 * can count `_entities` calls and representations without reaching into the router.
 */
export async function recordingProxy(target: string): Promise<RecordingProxy> {
  const requests: ForwardedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const parsed = JSON.parse(body.toString('utf8')) as ForwardedRequest | ForwardedRequest[];
        for (const one of Array.isArray(parsed) ? parsed : [parsed]) requests.push({ query: one.query, variables: one.variables });
      } catch {
        // Forwarded as it is; the subgraph answers a body it cannot read.
      }
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      request(target, { method: req.method as 'POST', headers, body: req.method === 'GET' ? undefined : body })
        .then(async (upstream) => {
          const text = await upstream.body.text();
          const type = upstream.headers['content-type'];
          res.writeHead(upstream.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
          res.end(text);
        })
        .catch((error: Error) => {
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(error.message);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    reset: () => void (requests.length = 0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
