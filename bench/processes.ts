import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

// The benchmark's child processes: the simulators and the built gateway, each a process of
// its own so that the gateway's RSS and CPU are its alone and it can run under --cpu-prof.
// Every child is registered here the moment it is spawned, and `stopAll` (also wired to
// SIGINT/SIGTERM/exit by run.ts) ends each one by its pid, so none outlives the bench.

export const ROOT = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<string>;
}

const children = new Set<Child>();

export function spawnChild(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Child {
  // Output goes straight to a file, not through a pipe: reading a chatty child's pipe would
  // spend the bench's CPU on the same cores as the gateway under test.
  const fd = openSync(logFile, 'w');
  // The guard ends the child if this process dies without cleaning up (see guard.mjs).
  const guarded = ['--import', './bench/guard.mjs', ...args];
  const child = spawn(process.execPath, guarded, { cwd: ROOT, env: { ...env, BENCH_PARENT_PID: String(process.pid) }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? String(code)));
    child.once('error', (error) => resolve(`spawn error: ${error.message}`));
  });
  const entry: Child = { name, process: child, pid: child.pid, logFile, exited };
  children.add(entry);
  void exited.then(() => children.delete(entry));
  return entry;
}

/** Waits until the child's log has a line matching `pattern`; fails early when it exits. */
export async function waitForLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: string | undefined;
  void child.exited.then((code) => (exitedWith = code));
  for (;;) {
    const match = pattern.exec(readFileSync(child.logFile, 'utf8'));
    if (match) return match;
    if (exitedWith !== undefined) throw new Error(`${child.name} exited (${exitedWith}) before it was ready:\n${tail(child.logFile)}`);
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready within ${timeoutMs} ms:\n${tail(child.logFile)}`);
    await sleep(50);
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** SIGTERM (the children shut down cleanly, which writes a CPU profile), then SIGKILL after `graceMs`. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<string> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.exited;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, 5_000)));
}

/** Last resort on process exit, where nothing asynchronous runs any more. */
export function killAllSync(): void {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Resident set size of a process, in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!kb) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb[1]) * 1024;
}

const CLOCK_TICKS = (() => {
  const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(result.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** CPU time (user + system) a process has used so far, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields are counted from the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

export interface SimCounts {
  byRoute: Record<string, number>;
  total: number;
  inFlight: number;
  maxInFlight: number;
}

/** Refuses anything but loopback: the bench must never send traffic elsewhere. */
export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1') throw new Error(`refusing non-loopback URL ${url}`);
}

export async function simCounts(origin: string): Promise<SimCounts> {
  assertLoopback(origin);
  const response = await request(`${origin}/__sim/requests`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
  if (response.statusCode !== 200) throw new Error(`GET ${origin}/__sim/requests answered ${response.statusCode}`);
  return (await response.body.json()) as SimCounts;
}

export async function resetSimCounts(origin: string): Promise<void> {
  assertLoopback(origin);
  const response = await request(`${origin}/__sim/requests/reset`, { method: 'POST', headersTimeout: 5_000, bodyTimeout: 5_000 });
  await response.body.dump();
  if (response.statusCode !== 204) throw new Error(`POST ${origin}/__sim/requests/reset answered ${response.statusCode}`);
}

/**
 * Waits until neither simulator has a request in flight twice in a row, so the upstream
 * calls of operations that were still running when the load stopped are all counted.
 */
export async function waitForQuiet(origins: string[], pauseMs: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietPolls = 0;
  while (quietPolls < 2) {
    if (Date.now() > deadline) throw new Error('upstream requests still in flight after the load stopped');
    await sleep(pauseMs);
    const counts = await Promise.all(origins.map(simCounts));
    quietPolls = counts.every((c) => c.inFlight === 0) ? quietPolls + 1 : 0;
  }
}
