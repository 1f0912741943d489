import type { LoadResult } from './load.js';
import type { ProfileSummary } from './profile.js';
import type { Expectation, QueryName } from './queries.js';

// What one measured run produced, and its rendering as Markdown.

export interface RunResult {
  query: QueryName;
  title: string;
  connections: number;
  /** The gateway's cross-request upstream cache. */
  cache: 'off' | 'on';
  latencyMs: number;
  warmup: { requests: number; failures: string[] };
  load?: LoadResult;
  /** Upstream requests per operation under load, by route (sim counts ÷ requests sent). */
  upstreamPerOp?: Record<string, number>;
  upstreamPerOpTotal?: number;
  /** The same for one operation sent alone: exact, no division noise. */
  upstreamSingleOp?: Record<string, number>;
  /** Highest concurrency each simulator saw during the run. */
  upstreamPeakInFlight?: { iqmetrix: number; inspectorio: number };
  expectation: Expectation;
  minimumTotal: number;
  idealMs: number;
  floorMs: number;
  p50OverIdeal?: number;
  /** Most operations per second the in-flight caps allow at this latency (Infinity at latency 0). */
  capRps?: number;
  /**
   * The same bound for operations that each make every read of their own (the counts of one
   * sent alone, `upstreamSingleOp`): cap ÷ latency ÷ that upstream's calls per operation.
   * Shared in-flight reads and the cache can take rps past it.
   */
  boundRps?: number;
  rssBytes?: { before: number; after: number };
  /** CPU time ÷ wall time over the measurement (1 = one core busy), and the gateway's CPU time per operation. */
  cpu?: { gateway: number; simulators: number; gatewayMsPerOp: number };
  /** When the load ran, in microseconds of CLOCK_MONOTONIC (to cut a CPU profile to it). */
  windowUs?: { fromUs: number; toUs: number };
  error?: string;
}

const MB = 1024 * 1024;
const fixed = (n: number | undefined, digits = 1) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(digits));

export function errorCount(load: LoadResult | undefined): number {
  if (!load) return 0;
  const e = load.errors;
  return e.connection + e.timeouts + e.non2xx + e.graphqlErrors;
}

export function runsTable(runs: RunResult[]): string {
  const header = [
    'query',
    'conns',
    'cache',
    'rps',
    'p50 ms',
    'p95 ms',
    'p99 ms',
    'upstream/op',
    'min',
    'ideal ms',
    'p50 ÷ ideal',
    'floor ms',
    'cap rps',
    'bound rps',
    'rps ÷ bound',
    'gw RSS MB before → after',
    'gw CPU',
    'gw CPU ms/op',
    'sims CPU',
    'errors',
  ];
  const rows = runs.map((r) => {
    if (!r.load) return [r.query, String(r.connections), r.cache, `failed: ${r.error ?? 'no load result'}`, ...header.slice(4).map(() => '')];
    const l = r.load;
    return [
      r.query,
      String(r.connections),
      r.cache,
      fixed(l.rps, 0),
      fixed(l.latencyMs.p50),
      fixed(l.latencyMs.p95),
      fixed(l.latencyMs.p99),
      fixed(r.upstreamPerOpTotal, 2),
      String(+r.minimumTotal.toFixed(2)),
      fixed(r.idealMs, 0),
      fixed(r.p50OverIdeal, 2),
      fixed(r.floorMs, 0),
      // With the cache on the upstream caps are not what bounds throughput.
      r.cache === 'on' ? '—' : fixed(r.capRps, 0),
      r.cache === 'on' ? '—' : fixed(r.boundRps, 0),
      r.cache === 'on' || !r.boundRps || !Number.isFinite(r.boundRps) ? '—' : `${fixed((100 * l.rps) / r.boundRps, 0)}%`,
      r.rssBytes ? `${fixed(r.rssBytes.before / MB)} → ${fixed(r.rssBytes.after / MB)}` : '—',
      r.cpu ? `${fixed(r.cpu.gateway * 100, 0)}%` : '—',
      r.cpu ? fixed(r.cpu.gatewayMsPerOp, 2) : '—',
      r.cpu ? `${fixed(r.cpu.simulators * 100, 0)}%` : '—',
      String(errorCount(l)),
    ];
  });
  return markdownTable(header, rows);
}

export function derivations(runs: RunResult[]): string {
  const seen = new Set<QueryName>();
  const lines: string[] = [];
  for (const r of runs) {
    if (seen.has(r.query)) continue;
    seen.add(r.query);
    const e = r.expectation;
    const minimum = Object.entries(e.minimum)
      .map(([route, n]) => `${+n.toFixed(2)} × \`${route}\``)
      .join(' + ');
    lines.push(
      `- **${r.query}** — ${r.title}. Minimum ${+r.minimumTotal.toFixed(2)} = ${minimum} (${e.minimumWhy}). ` +
        `Ideal ${e.idealRounds} round trip${e.idealRounds === 1 ? '' : 's'} (${e.idealWhy}); floor with the in-flight caps ${e.floorRounds}.`,
    );
    const single = r.upstreamSingleOp;
    if (single) {
      const extra = Object.entries(single).filter(([route, n]) => n > (e.minimum[route] ?? 0) + 1e-9);
      if (extra.length > 0) lines.push(`  - above the minimum when sent alone: ${extra.map(([route, n]) => `${route} ${+n.toFixed(2)} (min ${+(e.minimum[route] ?? 0).toFixed(2)})`).join(', ')}`);
    }
  }
  return lines.join('\n');
}

export function profileTable(summary: ProfileSummary, count = 15): string {
  const rows = summary.functions.slice(0, count).map((f, i) => [
    String(i + 1),
    `\`${f.functionName}\``,
    f.location ? `\`${f.location}\`` : '',
    f.origin,
    fixed(f.selfMs, 0),
    `${fixed((100 * f.selfMs) / summary.busyMs)}%`,
  ]);
  return markdownTable(['#', 'function', 'where', 'origin', 'self ms', '% of busy'], rows);
}

export function originTable(summary: ProfileSummary, count = 12): string {
  const rows = summary.origins.slice(0, count).map((o) => [o.origin, fixed(o.selfMs, 0), `${fixed((100 * o.selfMs) / summary.busyMs)}%`]);
  return markdownTable(['origin', 'self ms', '% of busy'], rows);
}

/** Our own functions by time on the stack (self + callees): where our code leads the process. */
export function oursTable(summary: ProfileSummary, count = 15): string {
  const ours = summary.functions
    .filter((f) => f.origin === 'ours')
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, count);
  const rows = ours.map((f) => [
    `\`${f.functionName}\``,
    `\`${f.location}\``,
    fixed(f.selfMs, 0),
    fixed(f.totalMs, 0),
    `${fixed((100 * f.totalMs) / summary.busyMs)}%`,
  ]);
  return markdownTable(['function', 'where', 'self ms', 'total ms', 'total % of busy'], rows);
}

export function markdownTable(header: string[], rows: string[][]): string {
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${header.map(escape).join(' | ')} |`,
    `|${header.map((cell) => (/^(query|conns|cache|function|where|origin|#|soak|value)$/.test(cell) ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}
