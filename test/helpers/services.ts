// Outside programs some tests need, as test/services/setup.js (Jest's globalSetup) found them.
//
//   const withRedis = describeWith('redis');
//   withRedis('replicas sharing Redis', () => { beforeAll(...); it(...); });
//
// Locally the block is skipped when the program is missing (setup.js printed one line saying how
// to get it). Under CI=true it always runs: setup.js has already failed the run by then, and a
// block run without its program fails loudly rather than passing as skipped.

export type Service = 'redis' | 'chromium' | 'haproxy';

interface Found {
  redis?: { url: string; startedByTests?: boolean };
  chromium?: { path: string };
  haproxy?: { path: string };
}

function found(): Found {
  const raw = process.env.TEST_SERVICES;
  if (!raw) throw new Error('TEST_SERVICES is unset: run the tests through `npm test` (jest.config.js sets test/services/setup.js as globalSetup).');
  return JSON.parse(raw) as Found;
}

const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');

/** Whether `service` is there (always true under CI=true, where a missing one must fail). */
export function hasService(service: Service): boolean {
  return ci || found()[service] !== undefined;
}

/** `describe` when `service` is there (or CI=true), else `describe.skip`. */
export function describeWith(service: Service): typeof describe {
  return hasService(service) ? describe : (describe.skip as typeof describe);
}

/** The Redis the tests use: TEST_REDIS_URL, or the one setup.js found or started. */
export function redisUrl(): string {
  return found().redis?.url ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** Path of the Chromium executable (CHROMIUM_PATH, or chromium on PATH). */
export function chromiumPath(): string {
  return found().chromium?.path ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Path of the haproxy executable (HAPROXY_PATH, or haproxy on PATH or in /usr/sbin). */
export function haproxyPath(): string {
  return found().haproxy?.path ?? process.env.HAPROXY_PATH ?? 'haproxy';
}
