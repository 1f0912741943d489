import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { EXAMPLE_VARIABLES } from '../../src/explorer.js';
import { chromiumPath, describeWith } from '../helpers/services.js';
import { startStack, type Stack } from '../helpers/stack.js';

// GET /explorer: Altair from node_modules, driven in headless Chromium with every request off
// this machine refused, so the test fails if the page needs a CDN (or anything else online).

const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../artifacts');

function requireInstalled(): void {
  try {
    createRequire(import.meta.url).resolve('altair-static');
  } catch {
    throw new Error('the explorer serves the npm package altair-static, which is not installed: npm install');
  }
}

let stack: Stack;
let base: string;
let browser: Browser | undefined;

beforeAll(async () => {
  requireInstalled();
  stack = await startStack();
  base = stack.gateway.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

// Skipped locally without Chromium (Jest's globalSetup says how to get it); required under CI=true.
describeWith('chromium')('in a browser', () => {
  it('loads with no internet, runs a query and shows the result', async () => {
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const offMachine: string[] = [];
    const failed: string[] = [];
    await page.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1') return route.continue();
      offMachine.push(url.href);
      return route.abort('internetdisconnected');
    });
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });

    await page.goto(`${base}/explorer`);
    expect(page.url()).toBe(`${base}/explorer/`);
    await page.locator('.send-request__button').waitFor();

    // The example the page opens with asks for the simulators' big partner.
    const { bigPartnerId } = stack.sims.dataset.fixtures;
    expect(JSON.parse(EXAMPLE_VARIABLES)).toEqual({ partnerId: bigPartnerId });
    await page.locator('.send-request__button').click();

    const firstCompany = stack.sims.dataset.partners.get(bigPartnerId)![0]!.CompanyName;
    const result = page.locator('app-query-result .cm-content');
    await result.filter({ hasText: firstCompany }).waitFor({ timeout: 10_000 });
    expect(await result.innerText()).toContain(`"totalCount": ${stack.sims.dataset.partners.get(bigPartnerId)!.length}`);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: resolve(ARTIFACTS, 'explorer.png') });
    expect(offMachine).toEqual([]);
    expect(failed).toEqual([]);
  }, 20_000);
});

it('serves every asset itself, relative to /explorer/', async () => {
  const res = await request(`${base}/explorer/`);
  const html = await res.body.text();
  expect(res.statusCode).toBe(200);
  expect(html).toContain('<base href="./">');
  expect(html).toContain('AltairGraphQL.init(');
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  const script = html.match(/<script type="module" src="([^"]+)"/)![1]!;
  const asset = await request(`${base}/explorer/${script}`);
  await asset.body.dump();
  expect(asset.statusCode).toBe(200);
  expect(asset.headers['content-type']).toMatch(/javascript/);
});

it('is off with EXPLORER=false, and off by default in production', async () => {
  const off = await startStack({ env: { EXPLORER: 'false' } });
  try {
    const res = await request(`${off.gateway.url.replace(/\/graphql$/, '')}/explorer/`);
    await res.body.dump();
    expect(res.statusCode).toBe(404);
  } finally {
    await off.close();
  }
  expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true' }).explorer).toBe(false);
  expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true', EXPLORER: 'true' }).explorer).toBe(true);
  expect(loadConfig({}).explorer).toBe(true);
});
