import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

// Debian's HAProxy in front of gateway replicas, as a deployment would put it: round robin,
// health checks on /readyz every 500 ms (down after 2 failures, up after 2 successes), with a
// stats page the test reads to know when a replica is in or out.

export interface Balancer {
  /** The GraphQL endpoint through the balancer. */
  url: string;
  /** Each server's state as HAProxy sees it (`UP`, `DOWN`, `UP 1/2`, `MAINT`…), by name `r0`, `r1`… */
  states(): Promise<Record<string, string>>;
  /** Resolves once `server` is `UP` (fully: every rise check passed). */
  waitUntilUp(server: string, timeoutMs?: number): Promise<void>;
  /** HAProxy's own output: one log line per request, then its warnings. */
  stderr(): string;
  close(): Promise<void>;
}

/** A port free right now (HAProxy needs its ports in its configuration file). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startHaproxy(executable: string, backendPorts: number[]): Promise<Balancer> {
  const [frontPort, statsPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gw-haproxy-'));
  const configFile = path.join(dir, 'haproxy.cfg');
  await writeFile(
    configFile,
    [
      'global',
      '  maxconn 2000',
      // One line per request on stderr (`option httplog`): status and termination state.
      '  log stderr format raw local0 info',
      'defaults',
      '  mode http',
      '  log global',
      '  option httplog',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      // A health check's answer may take this long (default: the 500 ms interval, which a
      // busy test machine can miss and so take every replica out at once).
      '  timeout check 2s',
      'frontend graphql',
      `  bind 127.0.0.1:${frontPort}`,
      '  default_backend gateways',
      'backend gateways',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      '  http-check expect status 200',
      '  default-server inter 500 fall 2 rise 2',
      ...backendPorts.map((port, i) => `  server r${i} 127.0.0.1:${port} check`),
      'listen stats',
      `  bind 127.0.0.1:${statsPort}`,
      '  stats enable',
      '  stats uri /stats',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(executable, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stdout!.resume();
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const states = async (): Promise<Record<string, string>> => {
    const response = await request(`http://127.0.0.1:${statsPort}/stats;csv`);
    const text = await response.body.text();
    const [header, ...rows] = text.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const [px, sv, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name));
    const result: Record<string, string> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[px!] === 'gateways' && /^r\d+$/.test(cells[sv!]!)) result[cells[sv!]!] = cells[status!]!;
    }
    return result;
  };

  // Up once its stats page answers.
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${err}`);
    try {
      await states();
      break;
    } catch {
      if (Date.now() - started > 10_000) throw new Error(`haproxy did not start within 10 s:\n${err}`);
      await sleep(50);
    }
  }

  return {
    url: `http://127.0.0.1:${frontPort}/graphql`,
    states,
    waitUntilUp: async (server, timeoutMs = 20_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const state = (await states())[server];
        if (state === 'UP') return;
        if (Date.now() > end) throw new Error(`HAProxy still sees ${server} as ${state} after ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    stderr: () => err,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
