// Jest globalSetup: finds the outside programs some tests need (Redis, Chromium, HAProxy), and
// starts a Redis of its own when none answers but redis-server is installed. Plain JavaScript
// because Jest loads it before any transform.
//
// What it found goes to the test workers as TEST_SERVICES (JSON, read by
// test/helpers/services.ts); a Redis it started goes as TEST_REDIS_URL and is stopped by
// teardown.js. Locally a missing program skips the tests that need it, with one line saying how
// to get it; under CI=true it fails the run instead.

import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The first of `names` that is an executable file, on PATH or in the sbin folders (haproxy lives in /usr/sbin, often off a user's PATH). */
function findProgram(names, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin', ...extraDirs];
  for (const name of names) {
    if (path.isAbsolute(name)) {
      if (isExecutable(name)) return name;
      continue;
    }
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when a Redis answers PING at `url` within a second. */
async function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    let reply = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    // A password-protected Redis answers -NOAUTH: it is there, the URL carries the password.
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

async function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts redis-server without persistence, on 6379 when that port is free (where a developer's tools look), else on any free port. */
export async function startRedis(binary) {
  const port = (await portIsFree(6379)) ? 6379 : await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'test-redis-'));
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    if (await redisAnswers(url)) {
      // Should the runner die without teardown, the Redis goes with it.
      process.once('exit', () => child.kill('SIGKILL'));
      return { url, child, dir };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`the tests started ${binary} on port ${port}, but it did not answer: ${stderr.trim()}`);
}

export default async function setup() {
  const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');
  const services = {};
  const missing = [];

  // Redis: the one at TEST_REDIS_URL (default 127.0.0.1:6379), else one started here.
  const wanted = process.env.TEST_REDIS_URL ?? DEFAULT_REDIS_URL;
  if (await redisAnswers(wanted)) {
    services.redis = { url: wanted };
  } else if (process.env.TEST_REDIS_URL) {
    missing.push(['redis', `nothing answers at TEST_REDIS_URL (${wanted}): start that Redis, or unset TEST_REDIS_URL to let the tests start redis-server themselves.`]);
  } else {
    const binary = findProgram(['redis-server']);
    if (binary) {
      const started = await startRedis(binary);
      globalThis.__testRedis = started;
      process.env.TEST_REDIS_URL = started.url;
      services.redis = { url: started.url, startedByTests: true };
    } else {
      missing.push(['redis', 'no Redis answers at 127.0.0.1:6379 and redis-server is not installed: apt-get install redis-server (the tests then start and stop it), or set TEST_REDIS_URL.']);
    }
  }

  const chromium = findProgram([process.env.CHROMIUM_PATH, 'chromium', 'chromium-browser'].filter(Boolean));
  if (chromium) services.chromium = { path: chromium };
  else missing.push(['chromium', 'Chromium is not installed: apt-get install --no-install-recommends chromium (or set CHROMIUM_PATH).']);

  const haproxy = findProgram([process.env.HAPROXY_PATH, 'haproxy'].filter(Boolean));
  if (haproxy) services.haproxy = { path: haproxy };
  else missing.push(['haproxy', 'HAProxy is not installed: apt-get install --no-install-recommends haproxy (or set HAPROXY_PATH).']);

  if (missing.length > 0 && ci) {
    await teardownStarted();
    throw new Error(`CI=true: tests that need ${missing.map(([name]) => name).join(', ')} must run, and these are missing:\n${missing.map(([name, how]) => `  - ${name}: ${how}`).join('\n')}\n(.ci/run installs them.)`);
  }
  const shown = { redis: 'Redis', chromium: 'Chromium', haproxy: 'HAProxy' };
  for (const [name, how] of missing) process.stderr.write(`\nSkipping the tests that need ${shown[name]} (required under CI=true): ${how}\n`);
  process.env.TEST_SERVICES = JSON.stringify(services);
}

/** Stops the Redis that setup started, if it did. */
export async function teardownStarted() {
  const started = globalThis.__testRedis;
  if (!started) return;
  globalThis.__testRedis = undefined;
  if (started.child.exitCode === null) {
    const exited = new Promise((resolve) => started.child.once('exit', resolve));
    started.child.kill('SIGTERM');
    await Promise.race([exited, sleep(5_000).then(() => started.child.kill('SIGKILL'))]);
  }
  rmSync(started.dir, { recursive: true, force: true });
}
