import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakingChanges, compareWithPublished, currentSdls, publish, SchemaSourceError, type SchemaSdl } from '../../scripts/schema-check.js';

// `npm run schema:check` against a published directory of the test's own making. What the code no
// longer serves (a field, an entity key, a `@shareable`, a cost) is breaking and fails; what it
// serves and is not published yet (an added field, even a changed layout) fails too, so that the
// published files never drift from the code.

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

/** Replaces `from` by `to` in one SDL, checking that it was there exactly once. */
function edited(sdl: string, from: string | RegExp, to: string): string {
  const matches = typeof from === 'string' ? sdl.split(from).length - 1 : (sdl.match(new RegExp(from.source, `${from.flags.replace('g', '')}g`)) ?? []).length;
  expect(matches).toBe(1);
  return sdl.replace(from, to);
}

/** The current SDLs with the subgraph SDL edited: as if the code had just made that change. */
function withSubgraphEdit(from: string | RegExp, to: string): SchemaSdl[] {
  return current.map((s) => (s.file === 'subgraph.graphql' ? { ...s, sdl: edited(s.sdl, from, to) } : s));
}

function editPublished(file: string, from: string | RegExp, to: string): void {
  const full = path.join(directory, file);
  writeFileSync(full, edited(readFileSync(full, 'utf8'), from, to));
}

/** Publishes the current SDL, then adds `legacyCode: String` to Company in both files: as if the code had just removed it. */
function publishWithFieldTheCodeRemoved(): void {
  publish(current, directory);
  for (const file of ['public.graphql', 'subgraph.graphql']) editPublished(file, /(type Company implements Node[^{]*\{\n)/, '$1  legacyCode: String\n');
}

const PARTNER_KEY = '\n  @key(fields: "partnerId")\n';

function runCheck(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { JEST_WORKER_ID: _jest, NODE_OPTIONS: _options, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/schema-check.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const summary = (reports: Awaited<ReturnType<typeof compareWithPublished>>) =>
  reports.map((r) => ({ file: r.file, published: r.published, changes: r.changes?.map((c) => [c.type, c.path, c.level]) }));

describe('npm run schema:check', () => {
  it('finds no change between the code and what it just published', async () => {
    publish(current, directory);
    expect(summary(await compareWithPublished(current, directory))).toEqual([
      { file: 'public.graphql', published: true, changes: [] },
      { file: 'subgraph.graphql', published: true, changes: [] },
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

  it('catches a removed entity key as breaking (inspector alone rates it DANGEROUS), once', async () => {
    publish(current, directory);
    const reports = await compareWithPublished(withSubgraphEdit(PARTNER_KEY, '\n'), directory);
    expect(summary(reports)[1]).toEqual({ file: 'subgraph.graphql', published: false, changes: [['FEDERATION_DIRECTIVE_USAGE_REMOVED', 'Partner', 'BREAKING']] });
    expect(reports[1]!.changes![0]!.message).toBe(
      `Directive '@key(fields: "partnerId")' was removed from 'Partner': the router and other subgraphs reference and fetch the entity by this key`,
    );
  });

  it('catches a changed entity key as one breaking change', async () => {
    publish(current, directory);
    const reports = await compareWithPublished(withSubgraphEdit(PARTNER_KEY, '\n  @key(fields: "id")\n'), directory);
    expect(breakingChanges(reports).map(({ change }) => change.message)).toEqual([
      `Directive '@key(fields: "partnerId")' on 'Partner' was changed to '@key(fields: "id")': the router and other subgraphs reference and fetch the entity by this key`,
    ]);
  });

  it('catches a removed @shareable, on a type and on a field, as breaking', async () => {
    publish(current, directory);
    const onType = await compareWithPublished(withSubgraphEdit(/(type PageInfo)\n  @shareable\n/, '$1\n'), directory);
    expect(summary(onType)[1]!.changes).toEqual([['FEDERATION_DIRECTIVE_USAGE_REMOVED', 'PageInfo', 'BREAKING']]);
    const onField = await compareWithPublished(withSubgraphEdit(/(type Company[^}]*\n  id: ID!) @shareable/, '$1'), directory);
    expect(summary(onField)[1]!.changes).toEqual([['FEDERATION_DIRECTIVE_USAGE_REMOVED', 'Company.id', 'BREAKING']]);
  });

  it('catches a changed @listSize as breaking: a router would price operations differently', async () => {
    publish(current, directory);
    const reports = await compareWithPublished(withSubgraphEdit(/(?<=\): OrganizationRelationshipConnection! @listSize\(assumedSize: )20/, '50'), directory);
    const breaking = breakingChanges(reports);
    expect(breaking.map(({ file, change }) => [file, change.type, change.path])).toEqual([['subgraph.graphql', 'FEDERATION_DIRECTIVE_USAGE_CHANGED', 'Organization.relationships']]);
    expect(breaking[0]!.change.message).toContain("'@listSize(assumedSize: 20, ");
    expect(breaking[0]!.change.message).toContain("was changed to '@listSize(assumedSize: 50, ");
  });

  it('rates an added field and an added key as non-breaking, but not published', async () => {
    publish(current, directory);
    editPublished('public.graphql', /\n  """The company's name[^\n]*\n  name: String!\n/, '\n');
    const reports = await compareWithPublished(withSubgraphEdit(PARTNER_KEY, `${PARTNER_KEY.trimEnd()}\n  @key(fields: "id")\n`), directory);
    expect(breakingChanges(reports)).toEqual([]);
    expect(summary(reports)).toEqual([
      {
        file: 'public.graphql',
        published: false,
        changes: [
          ['FIELD_ADDED', 'Company.name', 'NON_BREAKING'],
          ['FIELD_DESCRIPTION_ADDED', 'Company.name', 'NON_BREAKING'],
        ],
      },
      { file: 'subgraph.graphql', published: false, changes: [['FEDERATION_DIRECTIVE_USAGE_ADDED', 'Partner', 'NON_BREAKING']] },
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

  it('exits 1 on a published key the code no longer has, naming it', async () => {
    publish(current, directory);
    editPublished('subgraph.graphql', PARTNER_KEY, `${PARTNER_KEY.trimEnd()}\n  @key(fields: "id")\n`);
    const failed = await runCheck('--published', directory);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(`subgraph.graphql: BREAKING Directive '@key(fields: "id")' was removed from 'Partner'`);
    expect(failed.stderr).toContain('1 breaking change(s)');
  }, 60_000);

  it('exits 1 on an additive change that is not published, with the command that publishes it', async () => {
    publish(current, directory);
    editPublished('public.graphql', /\n  """The company's name[^\n]*\n  name: String!\n/, '\n');
    const failed = await runCheck('--published', directory);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("public.graphql: NON_BREAKING Field 'name' was added to object type 'Company'");
    expect(failed.stderr).toContain(`the schema differs from ${path.relative(ROOT, directory)}/ (public.graphql)`);
    expect(failed.stderr).toContain(`run \`npm run schema:check -- --update --published ${path.relative(ROOT, directory)}\``);
  }, 60_000);

  it('exits 1 when the published file differs only in layout: it is always exactly what --update writes', async () => {
    publish(current, directory);
    editPublished('subgraph.graphql', '\n  _entities(representations:', '\n    _entities(representations:');
    const failed = await runCheck('--published', directory);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('subgraph.graphql: differs from the published file in order, layout or comments only\n');
  }, 60_000);

  it('exits 2 on a published file that does not parse, naming the file and line, without a stack', async () => {
    publish(current, directory);
    editPublished('public.graphql', /\ntype Query \{\n/, '\ntype Query {{\n');
    const failed = await runCheck('--published', directory);
    expect(failed.code).toBe(2);
    const line = readFileSync(path.join(directory, 'public.graphql'), 'utf8').split('\n').indexOf('type Query {{') + 1;
    expect(failed.stderr).toBe(`schema:check failed: ${path.relative(ROOT, directory)}/public.graphql:${line}:13: Syntax Error: Expected Name, found "{".\n`);
  }, 60_000);

  it('names the schema source file and line of a syntax error', () => {
    const sources = mkdtempSync(path.join(tmpdir(), 'schema-sources-'));
    try {
      writeFileSync(path.join(sources, 'a.graphql'), 'type Query {\n  a: Int\n}\n');
      writeFileSync(path.join(sources, 'b.graphql'), '"A thing."\ntype Thing {\n  id: ID!\n  name String\n}\n');
      let thrown: unknown;
      try {
        currentSdls(sources);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SchemaSourceError);
      expect((thrown as Error).message).toBe(`${path.relative(process.cwd(), path.join(sources, 'b.graphql'))}:4:8: Syntax Error: Expected ":", found Name "String".`);
    } finally {
      rmSync(sources, { recursive: true, force: true });
    }
  });

  it('passes on the committed schema/published: the code serves exactly what is published', async () => {
    const reports = await compareWithPublished(current);
    expect(reports.map((r) => ({ file: r.file, changes: r.changes?.map((c) => `${c.level} ${c.message}`), published: r.published }))).toEqual([
      { file: 'public.graphql', changes: [], published: true },
      { file: 'subgraph.graphql', changes: [], published: true },
    ]);
  });
});
