// `npm run schema:check`: compares the schema this code serves with the published one, committed
// in schema/published/, and fails unless the two are the same text, so that every schema change
// is a visible edit of schema/published/*.graphql in the same change, and a breaking one (a
// removed field, a narrowed argument, an entity key dropped…) is called out for review.
//
//   npm run schema:check                   compare; exit 1 on any change not published, 2 on an error
//   npm run schema:check -- --update       write the current SDL to schema/published/
//   npm run schema:check -- --published d  compare with d/*.graphql instead (tests)
//
// Two SDLs are published: what direct clients of /graphql see (`public.graphql`, the executable
// schema, node/nodes and the federation fields included) and what a supergraph composes
// (`subgraph.graphql`, what `_service { sdl }` answers). Changes are classified by
// @graphql-inspector/core (BREAKING, DANGEROUS, NON_BREAKING), except the usages of federation
// and cost directives (`FEDERATION_DIRECTIVES`), which this script compares itself: inspector
// rates a removed `@key` or `@shareable` as merely DANGEROUS, and a changed argument value as
// "removed" plus "added", whereas for a supergraph a dropped or changed key, shareability or
// cost breaks composition, routing or demand control downstream.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diff, type Change } from '@graphql-inspector/core';
import {
  buildASTSchema,
  GraphQLError,
  Kind,
  parse,
  print,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { buildGatewaySchema, printGatewayPublicSdl, printGatewaySubgraphSdl } from '../src/schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PUBLISHED_DIRECTORY = path.join(ROOT, 'schema/published');
/** The schema sources, as src/schema.ts reads them (every *.graphql here, in name order, joined by newlines). */
const SOURCE_DIRECTORY = path.join(ROOT, 'schema');
const UPDATE_COMMAND = 'npm run schema:check -- --update';

const HEADER = '# Published schema: written by `npm run schema:check -- --update`, checked by `npm run schema:check`.\n';

export interface SchemaSdl {
  /** File name in the published directory. */
  file: 'public.graphql' | 'subgraph.graphql';
  sdl: string;
}

/** A schema file that does not parse or build, named with its line and column where known (exit 2). */
export class SchemaSourceError extends Error {
  override name = 'SchemaSourceError';
}

/**
 * The SDLs this code serves, as they are published. Each schema/*.graphql is parsed alone first, so
 * that a syntax error names its own file and line: the gateway parses them joined, and graphql-js
 * would place the error in the joined text. Throws `SchemaSourceError`. `sourceDirectory` is only
 * where the files are parsed first (the tests point it elsewhere): the schema itself is always
 * built by src/schema.ts, from schema/.
 */
export function currentSdls(sourceDirectory: string = SOURCE_DIRECTORY): SchemaSdl[] {
  const sources = readdirSync(sourceDirectory)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => ({ file: path.join(sourceDirectory, file), text: readFileSync(path.join(sourceDirectory, file), 'utf8') }));
  for (const { file, text } of sources) parseFile(file, text);
  let schema: GraphQLSchema;
  try {
    schema = buildGatewaySchema();
  } catch (error) {
    throw locateInSources(error, sources);
  }
  return [
    { file: 'public.graphql', sdl: printGatewayPublicSdl(schema) },
    { file: 'subgraph.graphql', sdl: printGatewaySubgraphSdl(schema) },
  ];
}

function parseFile(file: string, text: string): DocumentNode {
  try {
    return parse(text);
  } catch (error) {
    const at = error instanceof GraphQLError ? error.locations?.[0] : undefined;
    if (!at) throw error;
    throw new SchemaSourceError(`${path.relative(process.cwd(), file) || file}:${at.line}:${at.column}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * A schema that parses but does not build (an unknown type, a bad directive…): graphql-js locates
 * the error in the joined sources, which is mapped back to the file and its line. An error without
 * a location, or in a text that is not exactly the joined sources (an extension's), is kept as it is.
 */
function locateInSources(error: unknown, sources: ReadonlyArray<{ file: string; text: string }>): unknown {
  if (!(error instanceof GraphQLError) || !error.locations?.[0]) return error instanceof GraphQLError ? new SchemaSourceError(`schema/*.graphql: ${error.message}`) : error;
  if (error.source?.body !== sources.map((s) => s.text).join('\n')) return new SchemaSourceError(error.message);
  let line = error.locations[0].line;
  for (const { file, text } of sources) {
    const lines = text.split('\n').length; // joined by '\n': the next file starts on the line after this one's last
    if (line <= lines) return new SchemaSourceError(`${path.relative(process.cwd(), file) || file}:${line}:${error.locations[0].column}: ${error.message}`);
    line -= lines;
  }
  return new SchemaSourceError(error.message);
}

export type ChangeLevel = 'BREAKING' | 'DANGEROUS' | 'NON_BREAKING';

/** One difference between the published SDL and the current one. */
export interface SchemaChange {
  /** @graphql-inspector/core's change type (`FIELD_REMOVED`…), or `FEDERATION_DIRECTIVE_USAGE_{REMOVED,CHANGED,ADDED}`. */
  type: string;
  /** Schema coordinate, e.g. `Company.legacyCode`, `Partner`, `Organization.relationships`. */
  path: string;
  level: ChangeLevel;
  message: string;
}

export interface SchemaReport {
  file: string;
  /** Absent when nothing is published yet (the first run publishes). */
  changes: SchemaChange[] | undefined;
  /** True when the published file is exactly what `--update` would write now. */
  published: boolean;
}

/**
 * The federation and cost directives whose usages this script compares itself, by their name in
 * their spec (Apollo Federation 2, and the cost spec that federation v2.9 also carries). Removing or
 * changing a usage is BREAKING: `why` says what it breaks downstream. `added` rates a new usage on
 * an existing element: a new key or shareability widens what composes, while an `@external` or
 * `@inaccessible` takes a field away from the supergraph.
 */
const FEDERATION_DIRECTIVES: Readonly<Record<string, { why: string; added: ChangeLevel }>> = {
  key: { why: 'the router and other subgraphs reference and fetch the entity by this key', added: 'NON_BREAKING' },
  shareable: { why: 'another subgraph that resolves it too no longer composes', added: 'NON_BREAKING' },
  external: { why: 'which subgraph resolves the field changes', added: 'BREAKING' },
  requires: { why: 'query plans that fetch the required fields change', added: 'DANGEROUS' },
  provides: { why: 'query plans that rely on the provided fields change', added: 'NON_BREAKING' },
  override: { why: 'which subgraph owns the field in the supergraph changes', added: 'DANGEROUS' },
  inaccessible: { why: 'what the supergraph exposes changes', added: 'BREAKING' },
  tag: { why: 'contracts that select by tag change', added: 'DANGEROUS' },
  interfaceObject: { why: 'how the interface composes changes', added: 'DANGEROUS' },
  cost: { why: "routers' demand control prices operations differently", added: 'DANGEROUS' },
  listSize: { why: "routers' demand control prices operations differently", added: 'DANGEROUS' },
};

const LINKED_SPEC = /^https:\/\/specs\.apollo\.dev\/(federation|cost)\/v\d+(\.\d+)?\/?$/;

/**
 * Local name → spec name of the `FEDERATION_DIRECTIVES`, as the document's `@link`s name them:
 * imported ones by their import (or its `as`), the others as `<namespace>__<name>` (e.g.
 * `@federation__requires`). A document that links no such spec (federation 1, a plain SDL) uses
 * the spec names as they are.
 */
function federationDirectiveNames(document: DocumentNode): Map<string, string> {
  const names = new Map<string, string>();
  let linked = false;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      if (link.name.value !== 'link') continue;
      const argument = (name: string) => link.arguments?.find((a) => a.name.value === name)?.value;
      const url = argument('url');
      const spec = url?.kind === Kind.STRING ? LINKED_SPEC.exec(url.value)?.[1] : undefined;
      if (!spec) continue;
      linked = true;
      const as = argument('as');
      const namespace = as?.kind === Kind.STRING ? as.value : spec;
      const imported = new Map<string, string>();
      const imports = argument('import');
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        if (item.kind === Kind.STRING) imported.set(item.value.replace(/^@/, ''), item.value.replace(/^@/, ''));
        if (item.kind === Kind.OBJECT) {
          const field = (name: string) => item.fields.find((f) => f.name.value === name)?.value;
          const name = field('name');
          const local = field('as') ?? name;
          if (name?.kind === Kind.STRING && local?.kind === Kind.STRING) imported.set(name.value.replace(/^@/, ''), local.value.replace(/^@/, ''));
        }
      }
      for (const name of Object.keys(FEDERATION_DIRECTIVES)) {
        names.set(imported.get(name) ?? (name === namespace ? name : `${namespace}__${name}`), name);
      }
    }
  }
  if (!linked) for (const name of Object.keys(FEDERATION_DIRECTIVES)) names.set(name, name);
  return names;
}

interface Usages {
  /** Every schema coordinate the document defines, usages or not. */
  coordinates: Set<string>;
  /** `<coordinate> <spec name>` → the usages there, printed with spec names and sorted arguments. */
  usages: Map<string, string[]>;
}

/** The usages of `FEDERATION_DIRECTIVES` in an SDL, by schema coordinate (types and their extensions merged). */
function federationDirectiveUsages(document: DocumentNode): Usages {
  const names = federationDirectiveNames(document);
  const coordinates = new Set<string>();
  const usages = new Map<string, string[]>();
  const record = (coordinate: string, directives: readonly ConstDirectiveNode[] | undefined) => {
    coordinates.add(coordinate);
    for (const directive of directives ?? []) {
      const spec = names.get(directive.name.value);
      if (!spec) continue;
      const args = [...(directive.arguments ?? [])].sort((a, b) => a.name.value.localeCompare(b.name.value)).map((a) => `${a.name.value}: ${print(a.value)}`);
      const key = `${coordinate} ${spec}`;
      usages.set(key, [...(usages.get(key) ?? []), args.length > 0 ? `@${spec}(${args.join(', ')})` : `@${spec}`]);
    }
  };
  for (const definition of document.definitions as readonly DefinitionNode[]) {
    switch (definition.kind) {
      case Kind.SCHEMA_DEFINITION:
      case Kind.SCHEMA_EXTENSION:
        record('schema', definition.directives);
        break;
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.OBJECT_TYPE_EXTENSION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_EXTENSION:
        record(definition.name.value, definition.directives);
        for (const field of definition.fields ?? []) {
          const coordinate = `${definition.name.value}.${field.name.value}`;
          record(coordinate, field.directives);
          for (const argument of field.arguments ?? []) record(`${coordinate}(${argument.name.value}:)`, argument.directives);
        }
        break;
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_EXTENSION:
        record(definition.name.value, definition.directives);
        for (const field of definition.fields ?? []) record(`${definition.name.value}.${field.name.value}`, field.directives);
        break;
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_EXTENSION:
        record(definition.name.value, definition.directives);
        for (const value of definition.values ?? []) record(`${definition.name.value}.${value.name.value}`, value.directives);
        break;
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.UNION_TYPE_EXTENSION:
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_EXTENSION:
        record(definition.name.value, definition.directives);
        break;
      default:
        break;
    }
  }
  return { coordinates, usages };
}

/** Items of `a` not matched by an equal item of `b` (multisets: a repeatable `@key` may appear twice). */
function without(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  return a.filter((item) => {
    const at = left.indexOf(item);
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

/**
 * Removed, changed and added usages of `FEDERATION_DIRECTIVES` on elements that both SDLs have
 * (an element removed or added is inspector's change already). A usage replaced by another of the
 * same directive at the same coordinate is one change, e.g. `@key(fields: "partnerId")` → `@key(fields: "id")`.
 */
function federationDirectiveChanges(before: DocumentNode, after: DocumentNode): SchemaChange[] {
  const old = federationDirectiveUsages(before);
  const now = federationDirectiveUsages(after);
  const changes: SchemaChange[] = [];
  for (const key of new Set([...old.usages.keys(), ...now.usages.keys()])) {
    const [coordinate, spec] = key.split(' ') as [string, string];
    if (!old.coordinates.has(coordinate) || !now.coordinates.has(coordinate)) continue;
    const removed = without(old.usages.get(key) ?? [], now.usages.get(key) ?? []);
    const added = without(now.usages.get(key) ?? [], old.usages.get(key) ?? []);
    const { why, added: addedLevel } = FEDERATION_DIRECTIVES[spec]!;
    const where = coordinate === 'schema' ? 'the schema' : `'${coordinate}'`;
    removed.forEach((usage, i) => {
      const replacement = added[i];
      changes.push(
        replacement === undefined
          ? { type: 'FEDERATION_DIRECTIVE_USAGE_REMOVED', path: coordinate, level: 'BREAKING', message: `Directive '${usage}' was removed from ${where}: ${why}` }
          : { type: 'FEDERATION_DIRECTIVE_USAGE_CHANGED', path: coordinate, level: 'BREAKING', message: `Directive '${usage}' on ${where} was changed to '${replacement}': ${why}` },
      );
    });
    for (const usage of added.slice(removed.length)) {
      changes.push({ type: 'FEDERATION_DIRECTIVE_USAGE_ADDED', path: coordinate, level: addedLevel, message: `Directive '${usage}' was added to ${where}${addedLevel === 'NON_BREAKING' ? '' : `: ${why}`}` });
    }
  }
  return changes;
}

/** The directive a DIRECTIVE_USAGE_* change of inspector's is about. */
function usageDirectiveName(change: Change): string | undefined {
  if (!change.type.startsWith('DIRECTIVE_USAGE_')) return undefined;
  const meta = change.meta as { addedDirectiveName?: string; removedDirectiveName?: string; directiveName?: string };
  return meta.addedDirectiveName ?? meta.removedDirectiveName ?? meta.directiveName;
}

function readSdl(file: string, sdl: string): { document: DocumentNode; schema: GraphQLSchema } {
  const document = parseFile(file, sdl);
  // The subgraph SDL uses federation directives it does not define (@link imports them), so it is
  // read as SDL that is known to be valid rather than validated again.
  return { document, schema: buildASTSchema(document, { assumeValidSDL: true }) };
}

/** The changes from `published` to `current`: inspector's, with the federation directive usages compared here instead. */
export async function schemaChanges(published: { file: string; sdl: string }, current: { file: string; sdl: string }): Promise<SchemaChange[]> {
  const before = readSdl(published.file, published.sdl);
  const after = readSdl(current.file, current.sdl);
  const federationNames = new Set([...federationDirectiveNames(before.document).keys(), ...federationDirectiveNames(after.document).keys()]);
  const inspected = (await diff(before.schema, after.schema))
    .filter((change) => !federationNames.has(usageDirectiveName(change) ?? ''))
    .map((change): SchemaChange => ({ type: change.type, path: change.path ?? '', level: change.criticality.level as ChangeLevel, message: change.message }));
  return [...inspected, ...federationDirectiveChanges(before.document, after.document)];
}

/** What `--update` writes for an SDL. */
function publishedText(sdl: string): string {
  return `${HEADER}${sdl.trimEnd()}\n`;
}

/** Differences between the published SDLs in `directory` and `current`, file by file. */
export async function compareWithPublished(current: readonly SchemaSdl[], directory: string = PUBLISHED_DIRECTORY): Promise<SchemaReport[]> {
  const reports: SchemaReport[] = [];
  for (const { file, sdl } of current) {
    const full = path.join(directory, file);
    let published: string;
    try {
      published = readFileSync(full, 'utf8').replace(/\r\n/g, '\n');
    } catch {
      reports.push({ file, changes: undefined, published: false });
      continue;
    }
    const changes = await schemaChanges({ file: full, sdl: published }, { file: `${file} (current)`, sdl });
    reports.push({ file, changes, published: published === publishedText(sdl) });
  }
  return reports;
}

export function breakingChanges(reports: readonly SchemaReport[]): Array<{ file: string; change: SchemaChange }> {
  return reports.flatMap(({ file, changes }) => (changes ?? []).filter((c) => c.level === 'BREAKING').map((change) => ({ file, change })));
}

export function publish(current: readonly SchemaSdl[], directory: string = PUBLISHED_DIRECTORY): void {
  mkdirSync(directory, { recursive: true });
  for (const { file, sdl } of current) writeFileSync(path.join(directory, file), publishedText(sdl));
}

async function main(argv: string[]): Promise<number> {
  const update = argv.includes('--update');
  const at = argv.indexOf('--published');
  const directory = at >= 0 && argv[at + 1] ? path.resolve(argv[at + 1]!) : PUBLISHED_DIRECTORY;
  const shown = path.relative(process.cwd(), directory) || '.';
  const updateCommand = directory === PUBLISHED_DIRECTORY ? UPDATE_COMMAND : `${UPDATE_COMMAND} --published ${shown}`;
  const current = currentSdls();
  if (update) {
    publish(current, directory);
    process.stdout.write(`schema:check: published ${current.map((c) => c.file).join(' and ')} to ${shown}\n`);
    return 0;
  }
  const reports = await compareWithPublished(current, directory);
  const missing = reports.filter((r) => r.changes === undefined).map((r) => r.file);
  if (missing.length > 0) {
    process.stderr.write(`schema:check: nothing published yet (${missing.join(', ')}): run \`${updateCommand}\` and commit ${shown}/.\n`);
    return 1;
  }
  for (const { file, changes, published } of reports) {
    for (const change of changes ?? []) process.stdout.write(`${file}: ${change.level} ${change.message}\n`);
    if (!published && changes?.length === 0) process.stdout.write(`${file}: differs from the published file in order, layout or comments only\n`);
  }
  const unpublished = reports.filter((r) => !r.published).map((r) => r.file);
  if (unpublished.length === 0) {
    process.stdout.write(`schema:check: the schema matches ${shown}/.\n`);
    return 0;
  }
  const breaking = breakingChanges(reports);
  process.stderr.write(
    (breaking.length > 0
      ? `schema:check: ${breaking.length} breaking change(s) against ${shown}/: review them with whoever composes or calls this graph. `
      : `schema:check: the schema differs from ${shown}/ (${unpublished.join(', ')}). `) +
      `Publish the change with the change itself: run \`${updateCommand}\` and commit ${shown}/.\n`,
  );
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      // A schema file that does not parse or build is named with its line; anything else is a bug here, with its stack.
      const text = error instanceof SchemaSourceError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`schema:check failed: ${text}\n`);
      process.exitCode = 2;
    },
  );
}
