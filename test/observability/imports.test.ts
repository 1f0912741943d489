import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The import graph of src/, read from the sources: every relative `import … from` and
// `export … from` (type-only ones too: they are where a dependency between folders shows
// first, even before it costs anything at run time), every side-effect import and every
// relative dynamic import().

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;

/** module (path under src/, `.ts`) → the modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (!specifier.startsWith('.')) continue;
      targets.push(relative(SRC, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))));
    }
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** The cycles' modules: strongly connected components of more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indices.get(next)!));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indices.has(node)) visit(node);
  return found;
}

const graph = importGraph();
const folder = (module: string, depth: number) => module.split('/').slice(0, depth).join('/');

describe('telemetry imports', () => {
  it('reads a graph that has the modules it should', () => {
    expect(graph.get('observability/index.ts')).toEqual(expect.arrayContaining(['observability/tracing/index.ts', 'http/transport.ts']));
    expect(graph.get('server.ts')).toContain('observability/index.ts');
  });

  it('has no import cycle that goes through src/observability or src/plugins', () => {
    const involved = cycles(graph).filter((component) => component.some((m) => m.startsWith('observability/') || m.startsWith('plugins/')));
    expect(involved).toEqual([]);
  });

  it('keeps src/observability and src/plugins apart: neither imports the other', () => {
    const crossings = [...graph].flatMap(([from, targets]) =>
      targets
        .filter((to) => (from.startsWith('observability/') && to.startsWith('plugins/')) || (from.startsWith('plugins/') && to.startsWith('observability/')))
        .map((to) => `${from} -> ${to}`),
    );
    expect(crossings).toEqual([]);
  });

  it('keeps each concern in its folder: concerns import only their own folder and the shared operation summary', () => {
    const concerns = ['logging', 'metrics', 'tracing', 'readiness', 'correlation'];
    expect(concerns.every((c) => [...graph.keys()].some((m) => m.startsWith(`observability/${c}/`)))).toBe(true);
    const crossings = [...graph].flatMap(([from, targets]) => {
      if (!from.startsWith('observability/') || folder(from, 2) === 'observability/index.ts') return [];
      return targets
        .filter((to) => to.startsWith('observability/') && to !== 'observability/operation.ts' && folder(to, 2) !== folder(from, 2))
        .map((to) => `${from} -> ${to}`);
    });
    expect(crossings).toEqual([]);
  });
});
