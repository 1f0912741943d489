import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { request } from 'undici';
import { DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS, loadConfig } from '../../src/config.js';
import { configProblems } from '../helpers/config.js';
import { spawnGateway, type GatewayProcess } from '../helpers/child-gateway.js';

// How the gateway starts, or refuses to: simulators only when asked for in production, a
// shutdown delay a load balancer can see, and a message naming the variable when the
// listener cannot open.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const REAL = { IQMETRIX_URL: 'https://entitymanagerdemo.iqmetrix.net/v1', IQMETRIX_TOKEN: 't', INSPECTORIO_URL: 'https://sandbox.inspectorio.com/api', INSPECTORIO_API_KEY: 'k' };

/** Runs src/main.ts to its exit, which a refused start reaches at once. */
async function runUntilExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { JEST_WORKER_ID: _jest, NODE_OPTIONS: _options, NODE_ENV: _nodeEnv, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env: { ...inherited, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('which upstreams', () => {
  it('refuses production without upstream URLs, naming both and the way to ask for simulators', () => {
    const problems = configProblems({ NODE_ENV: 'production' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/IQMETRIX_URL and INSPECTORIO_URL must be set when NODE_ENV=production/);
    expect(problems[0]).toMatch(/SIMULATORS=true/);
  });

  it('runs production on the simulators only when SIMULATORS=true', () => {
    expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true' }).upstreams).toBeNull();
    expect(loadConfig({ NODE_ENV: 'production', ...REAL }).upstreams).toMatchObject({ iqmetrix: { url: REAL.IQMETRIX_URL }, inspectorio: { url: REAL.INSPECTORIO_URL } });
  });

  it('keeps the simulators as the default in development, and SIMULATORS=false turns them off', () => {
    expect(loadConfig({}).upstreams).toBeNull();
    expect(configProblems({ SIMULATORS: 'false' })).toEqual([
      'IQMETRIX_URL and INSPECTORIO_URL must be set when SIMULATORS=false (or leave SIMULATORS unset to run on the embedded simulators).',
    ]);
    expect(loadConfig({ SIMULATORS: 'false', ...REAL }).upstreams).not.toBeNull();
  });

  it('refuses SIMULATORS=true beside an upstream URL, and a SIMULATORS that is not a boolean', () => {
    expect(configProblems({ SIMULATORS: 'true', ...REAL })).toEqual([
      'SIMULATORS=true runs the gateway on its embedded simulators: unset IQMETRIX_URL and INSPECTORIO_URL, or set SIMULATORS=false.',
    ]);
    expect(configProblems({ SIMULATORS: 'maybe' })).toEqual(['SIMULATORS must be true or false (got "maybe").']);
  });

  it('the process exits non-zero with that message, and starts on the simulators with SIMULATORS=true', async () => {
    const refused = await runUntilExit({ NODE_ENV: 'production' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('IQMETRIX_URL and INSPECTORIO_URL must be set when NODE_ENV=production');
    expect(refused.stdout).not.toContain('ready at');

    let gateway: GatewayProcess | undefined;
    try {
      gateway = await spawnGateway({ NODE_ENV: 'production', SIMULATORS: 'true', SHUTDOWN_DELAY_MS: '0' });
      const ready = await request(new URL('/readyz', gateway.url));
      expect(ready.statusCode).toBe(200);
      expect(await ready.body.json()).toMatchObject({ status: 'ready', upstreams: { iqmetrix: 'simulator', inspectorio: 'simulator' } });
    } finally {
      if (gateway) {
        gateway.child.kill('SIGTERM');
        expect(await gateway.exited).toBe(0);
      }
    }
  }, 40_000);
});

describe('shutdown delay', () => {
  it('defaults to a delay a load balancer checking every 500 ms can see in production, none in development', () => {
    expect(DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS).toBe(5_000);
    expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true' }).shutdownDelayMs).toBe(DEFAULT_PRODUCTION_SHUTDOWN_DELAY_MS);
    expect(loadConfig({}).shutdownDelayMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true', SHUTDOWN_DELAY_MS: '0' }).shutdownDelayMs).toBe(0);
    expect(loadConfig({ SHUTDOWN_DELAY_MS: '2000' }).shutdownDelayMs).toBe(2_000);
  });
});

describe('when the listener cannot open', () => {
  it('names PORT when the port is in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const { code, stderr } = await runUntilExit({ PORT: String(port) });
      expect(code).toBe(2);
      expect(stderr).toContain(`PORT ${port} is already in use on HOST 127.0.0.1`);
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 30_000);

  it('names HOST when it is not an address of this machine', async () => {
    // 203.0.113.0/24 is reserved for documentation: never an address of this machine.
    const { code, stderr } = await runUntilExit({ HOST: '203.0.113.7' });
    expect(code).toBe(2);
    expect(stderr).toContain('HOST 203.0.113.7 is not an address of this machine');
  }, 30_000);
});

describe('npm start:prod', () => {
  // npm signals the shell it runs the script in; a shell that merely forks node exits on SIGTERM
  // and leaves the gateway running (and the port taken) under init. The script execs node, so
  // the signal npm passes on reaches the gateway itself.
  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', '-s', 'build'], { cwd: ROOT });
  }, 120_000);

  it('SIGTERM to the npm process shuts the gateway down and frees the port', async () => {
    const { JEST_WORKER_ID: _jest, NODE_OPTIONS: _options, ...inherited } = process.env;
    const npm = spawn('npm', ['run', 'start:prod'], {
      cwd: ROOT,
      env: { ...inherited, NODE_ENV: 'production', SIMULATORS: 'true', SHUTDOWN_DELAY_MS: '0', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    npm.stderr.resume();
    const npmExited = new Promise<number | string>((resolve) => npm.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
    const killer = setTimeout(() => npm.kill('SIGKILL'), 30_000);
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = () => {
          if (/GraphQL gateway ready at/.test(stdout)) resolve();
        };
        npm.stdout.on('data', onData);
        void npmExited.then((code) => reject(new Error(`npm exited (${code}) before the gateway was ready:\n${stdout}`)));
      });
      const port = Number(/ready at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout)![1]);
      const gatewayPid = Number(/"pid":(\d+)/.exec(stdout)![1]);
      expect(gatewayPid).not.toBe(npm.pid);
      expect((await request(`http://127.0.0.1:${port}/readyz`)).statusCode).toBe(200);

      npm.kill('SIGTERM');
      await npmExited;
      // The gateway logged its orderly shutdown, its process is gone, and nothing listens on the port.
      expect(stdout).toContain('"msg":"shut down"');
      expect(isAlive(gatewayPid)).toBe(false);
      await expect(request(`http://127.0.0.1:${port}/readyz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      clearTimeout(killer);
    }
  }, 60_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the start output', () => {
  /** The request body of the banner's curl suggestion. */
  const suggested = (stdout: string) => JSON.parse(/--data '([^']+)'/.exec(stdout)![1]!) as Record<string, unknown>;

  it('suggests a query that runs, and with TRUSTED_DOCUMENTS_ONLY=true a listed document by its hash', async () => {
    let open: GatewayProcess | undefined;
    let only: GatewayProcess | undefined;
    try {
      open = await spawnGateway({ SHUTDOWN_DELAY_MS: '0' });
      const body = suggested(open.stdout());
      expect(body.query).toMatch(/^query PartnerSupplyNetwork/);
      const ran = await request(open.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(ran.statusCode).toBe(200);
      expect(((await ran.body.json()) as { data: { partner: unknown } }).data.partner).not.toBeNull();
      // Inline traces (ftv1) are on for a router that asks, without Apollo's "Enabling inline tracing…" line at start.
      expect(open.stdout()).not.toContain('Enabling inline tracing');
      const traced = await request(open.url, { method: 'POST', headers: { 'content-type': 'application/json', 'apollo-federation-include-trace': 'ftv1' }, body: JSON.stringify({ query: '{ __typename }' }) });
      expect(((await traced.body.json()) as { extensions?: { ftv1?: unknown } }).extensions?.ftv1).toEqual(expect.stringMatching(/^[A-Za-z0-9+/]+=*$/));

      only = await spawnGateway({ SHUTDOWN_DELAY_MS: '0', EXPLORER: 'true', TRUSTED_DOCUMENTS_FILE: 'examples/frontend/persisted-query-manifest.json', TRUSTED_DOCUMENTS_ONLY: 'true' });
      const banner = only.stdout();
      expect(banner).toContain('/explorer (runs only the listed documents)');
      expect(banner).toContain('TRUSTED_DOCUMENTS_ONLY=true: only the 3 documents of examples/frontend/persisted-query-manifest.json run');
      expect(banner).not.toContain('PartnerSupplyNetwork');
      const listed = suggested(banner);
      expect(listed).toEqual({ documentId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), variables: { id: '<Int!>' } });
      // Filled in, it runs (an unknown company is `null`, not a refusal).
      const filled = await request(only.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...listed, variables: { id: 1 } }) });
      expect(filled.statusCode).toBe(200);
      expect((await filled.body.json()) as { data: unknown }).toHaveProperty('data.company');
    } finally {
      for (const gateway of [open, only]) {
        if (!gateway) continue;
        gateway.child.kill('SIGTERM');
        await gateway.exited;
      }
    }
  }, 60_000);
});
