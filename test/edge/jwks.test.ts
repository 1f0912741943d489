import { decodeProtectedHeader } from 'jose';
import { JwksUnavailableError, resilientJwks } from '../../src/edge/auth/jwks.js';
import { capturedLogger, startJwks, type JwksServer } from './helpers.js';

// The backoff of src/edge/auth/jwks.ts between failed key-set fetches, on a clock the test moves
// (the key set is a real HTTP server that fails every fetch; no key is ever fetched, so jose's
// own clock plays no part).

let idp: JwksServer;
beforeAll(async () => {
  idp = await startJwks();
});
afterAll(() => idp.close());

it('waits the cooldown after a failed fetch, doubles the wait after each further failure up to the cap, and answers at once meanwhile', async () => {
  const key = await idp.addKey('RS256');
  const token = await key.sign();
  const header = decodeProtectedHeader(token);
  const input = { payload: token.split('.')[1]!, signature: token.split('.')[2]!, protected: token.split('.')[0]! };
  idp.failing = true;
  idp.fetches = 0;
  let clock = 1_000_000;
  const logs = capturedLogger();
  const keys = resilientJwks(idp.url, { cooldownMs: 1_000, maxAgeMs: 600_000, timeoutMs: 2_000, now: () => clock }, logs.logger);

  const attempt = () => keys(header, input).then(() => 'key', (error: unknown) => (error instanceof JwksUnavailableError ? `wait ${error.retryInMs}` : 'fetch failed'));

  expect(await attempt()).toBe('fetch failed');
  expect(idp.fetches).toBe(1);
  clock += 400;
  expect(await attempt()).toBe('wait 600');
  expect(idp.fetches).toBe(1);
  clock += 600;
  expect(await attempt()).toBe('fetch failed');
  expect(idp.fetches).toBe(2);
  clock += 1_999;
  expect(await attempt()).toBe('wait 1');
  clock += 1;
  expect(await attempt()).toBe('fetch failed');
  expect(idp.fetches).toBe(3);
  expect(keys.failures).toBe(3);
  // 4 s, 8 s, … up to 60 s.
  for (const wait of [4_000, 8_000, 16_000, 32_000, 60_000, 60_000]) {
    clock += wait - 1;
    expect(await attempt()).toBe('wait 1');
    clock += 1;
    expect(await attempt()).toBe('fetch failed');
  }
  expect(idp.fetches).toBe(9);

  // The provider is back: the next attempt after the wait gets the key, and the count resets.
  idp.failing = false;
  clock += 60_000;
  expect(await attempt()).toBe('key');
  expect(keys.failures).toBe(0);
  const warnings = logs.lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40);
  expect(warnings).toHaveLength(9);
  expect(warnings[0]!.msg).toMatch(/no keys were fetched before/);
});
