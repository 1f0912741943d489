import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakingChanges, compareWithPublished, currentSdls, publish, type SchemaSdl } from '../../scripts/schema-check.js';

// `npm run schema:check` against a published directory of the test's own making: a field that
// the published schema has and the code no longer serves is a breaking change, and fails.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let current: SchemaSdl[];
let directory: string;

beforeAll(() => {
  current = currentSdls();
});

beforeEach(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'schema-check-'));
});

afterEach(() => rmSync(directory, { recursive: true, force: true }));

/** Publishes the current SDL, then adds `legacyCode: String` to Company in both files: as if the code had just removed it. */
function publishWithFieldTheCodeRemoved(): void {
  publish(current, directory);
  for (const file of ['public.graphql', 'subgraph.graphql']) {
    const full = path.join(directory, file);
    const sdl = readFileSync(full, 'utf8');
    const edited = sdl.replace(/(type Company implements Node[^{]*\{\n)/, '$1  legacyCode: String\n');
    expect(edited).not.toBe(sdl);
    writeFileSync(full, edited);
  }
}

function runCheck(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { JEST_WORKER_ID: _jest, NODE_OPTIONS: _options, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/schema-check.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm run schema:check', () => {
  it('finds no change between the code and what it just published', async () => {
    publish(current, directory);
    const reports = await compareWithPublished(current, directory);
    expect(reports.map((r) => ({ file: r.file, changes: r.changes?.length }))).toEqual([
      { file: 'public.graphql', changes: 0 },
      { file: 'subgraph.graphql', changes: 0 },
    ]);
  });

  it('catches a removed field as breaking, in the public and in the subgraph SDL', async () => {
    publishWithFieldTheCodeRemoved();
    const breaking = breakingChanges(await compareWithPublished(current, directory));
    expect(breaking.map(({ file, change }) => ({ file, type: change.type, path: change.path }))).toEqual([
      { file: 'public.graphql', type: 'FIELD_REMOVED', path: 'Company.legacyCode' },
      { file: 'subgraph.graphql', type: 'FIELD_REMOVED', path: 'Company.legacyCode' },
    ]);
  });

  it('lets an added field pass as non-breaking', async () => {
    publish(current, directory);
    const file = path.join(directory, 'public.graphql');
    const sdl = readFileSync(file, 'utf8');
    const withoutName = sdl.replace(/\n  """The company's name[^\n]*\n  name: String!\n/, '\n');
    expect(withoutName).not.toBe(sdl);
    writeFileSync(file, withoutName);
    const reports = await compareWithPublished(current, directory);
    expect(breakingChanges(reports)).toEqual([]);
    expect(reports[0]!.changes!.map((c) => [c.type, c.path, c.criticality.level])).toEqual([
      ['FIELD_ADDED', 'Company.name', 'NON_BREAKING'],
      ['FIELD_DESCRIPTION_ADDED', 'Company.name', 'NON_BREAKING'],
    ]);
  });

  it('exits 1 on the removed field, naming it, and 0 once the published files are updated with the change', async () => {
    publishWithFieldTheCodeRemoved();
    const failed = await runCheck('--published', directory);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("public.graphql: BREAKING Field 'legacyCode' was removed from object type 'Company'");
    expect(failed.stderr).toContain('2 breaking change(s)');

    expect((await runCheck('--published', directory, '--update')).code).toBe(0);
    const passed = await runCheck('--published', directory);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toContain('the schema matches');
  }, 60_000);

  it('passes on the committed schema/published: the code serves no breaking change against it', async () => {
    const reports = await compareWithPublished(current);
    expect(reports.map((r) => r.changes !== undefined)).toEqual([true, true]);
    const breaking = breakingChanges(reports);
    expect(breaking.map(({ file, change }) => `${file}: ${change.message}`)).toEqual([]);
  });
});
