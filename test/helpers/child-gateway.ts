import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The gateway as it runs in production: `src/main.ts` in a process of its own (through tsx,
// to skip the build), configured by environment variables only.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface GatewayProcess {
  child: ChildProcess;
  /** The GraphQL endpoint it printed. */
  url: string;
  port: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once it has exited. */
  exited: Promise<number | string>;
}

export async function spawnGateway(env: Record<string, string>, startTimeoutMs = 20_000): Promise<GatewayProcess> {
  // Not the test runner's environment: JEST_WORKER_ID would silence the logger.
  const { JEST_WORKER_ID: _jest, NODE_OPTIONS: _options, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start within ${startTimeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, startTimeoutMs);
    const onData = () => {
      const match = /GraphQL gateway ready at (http:\/\/\S+\/graphql)/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before it was ready\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
  return { child, url, port: Number(new URL(url).port), stdout: () => out, stderr: () => err, exited };
}
