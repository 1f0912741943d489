// `npm run schema:check`: compares the schema this code serves with the published one, committed
// in schema/published/, and fails on a breaking change (a removed field, a narrowed argument, an
// entity key dropped…) unless the published file is updated in the same change, so that a
// breaking change is always a visible, reviewed edit of schema/published/*.graphql.
//
//   npm run schema:check                   compare; exit 1 on a breaking change
//   npm run schema:check -- --update       write the current SDL to schema/published/
//   npm run schema:check -- --published d  compare with d/*.graphql instead (tests)
//
// Two SDLs are published: what direct clients of /graphql see (`public.graphql`, the executable
// schema, node/nodes and the federation fields included) and what a supergraph composes
// (`subgraph.graphql`, what `_service { sdl }` answers). Changes are classified by
// @graphql-inspector/core: BREAKING fails, DANGEROUS (e.g. a new enum value) and NON_BREAKING are
// listed and pass, with a reminder to publish them.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildASTSchema, parse, type GraphQLSchema } from 'graphql';
import { buildGatewaySchema, printGatewayPublicSdl, printGatewaySubgraphSdl } from '../src/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PUBLISHED_DIRECTORY = path.join(ROOT, 'schema/published');

const HEADER = '# Published schema: written by `npm run schema:check -- --update`, checked by `npm run schema:check`.\n';

export interface SchemaSdl {
  /** File name in the published directory. */
  file: 'public.graphql' | 'subgraph.graphql';
  sdl: string;
}

/** The SDLs this code serves, as they are published. */
export function currentSdls(): SchemaSdl[] {
  const schema = buildGatewaySchema();
  return [
    { file: 'public.graphql', sdl: printGatewayPublicSdl(schema) },
    { file: 'subgraph.graphql', sdl: printGatewaySubgraphSdl(schema) },
  ];
}

export interface SchemaReport {
  file: string;
  /** Absent when nothing is published yet (the first run publishes). */
  changes: Change[] | undefined;
}

// The subgraph SDL uses federation directives it does not define (@link imports them), so it is
// read as SDL that is known to be valid rather than validated again.
function toSchema(sdl: string): GraphQLSchema {
  return buildASTSchema(parse(sdl), { assumeValidSDL: true });
}

/** Differences between the published SDLs in `directory` and `current`, file by file. */
export async function compareWithPublished(current: readonly SchemaSdl[], directory: string = PUBLISHED_DIRECTORY): Promise<SchemaReport[]> {
  const reports: SchemaReport[] = [];
  for (const { file, sdl } of current) {
    let published: string;
    try {
      published = readFileSync(path.join(directory, file), 'utf8');
    } catch {
      reports.push({ file, changes: undefined });
      continue;
    }
    reports.push({ file, changes: await diff(toSchema(published), toSchema(sdl)) });
  }
  return reports;
}

export function breakingChanges(reports: readonly SchemaReport[]): Array<{ file: string; change: Change }> {
  return reports.flatMap(({ file, changes }) => (changes ?? []).filter((c) => c.criticality.level === CriticalityLevel.Breaking).map((change) => ({ file, change })));
}

export function publish(current: readonly SchemaSdl[], directory: string = PUBLISHED_DIRECTORY): void {
  mkdirSync(directory, { recursive: true });
  for (const { file, sdl } of current) writeFileSync(path.join(directory, file), `${HEADER}${sdl.trimEnd()}\n`);
}

async function main(argv: string[]): Promise<number> {
  const update = argv.includes('--update');
  const at = argv.indexOf('--published');
  const directory = at >= 0 && argv[at + 1] ? path.resolve(argv[at + 1]!) : PUBLISHED_DIRECTORY;
  const current = currentSdls();
  if (update) {
    publish(current, directory);
    process.stdout.write(`schema:check: published ${current.map((c) => c.file).join(' and ')} to ${path.relative(process.cwd(), directory) || '.'}\n`);
    return 0;
  }
  const reports = await compareWithPublished(current, directory);
  const missing = reports.filter((r) => r.changes === undefined).map((r) => r.file);
  if (missing.length > 0) {
    process.stderr.write(`schema:check: nothing published yet (${missing.join(', ')}): run \`npm run schema:check -- --update\` and commit schema/published/.\n`);
    return 1;
  }
  for (const { file, changes } of reports) {
    for (const change of changes ?? []) process.stdout.write(`${file}: ${change.criticality.level} ${change.message}\n`);
  }
  const breaking = breakingChanges(reports);
  if (breaking.length > 0) {
    process.stderr.write(
      `schema:check: ${breaking.length} breaking change(s) against schema/published/. If they are intended, run ` +
        '`npm run schema:check -- --update` and commit the published files with this change, so that the break is reviewed.\n',
    );
    return 1;
  }
  const pending = reports.reduce((n, r) => n + (r.changes?.length ?? 0), 0);
  process.stdout.write(
    pending === 0 ? 'schema:check: the schema matches schema/published/.\n' : `schema:check: no breaking change; ${pending} other change(s) not published yet (npm run schema:check -- --update).\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`schema:check failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
