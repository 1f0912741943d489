import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Reads a V8 .cpuprofile (what `node --cpu-prof` writes) and sums time per function.
// A profile is a call tree of nodes, each with a callFrame, plus a list of samples (the
// node that was on top of the stack) and the time between consecutive samples. A sample's
// duration is the delta to the *next* sample, as Chrome DevTools counts it.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  /** `functionName location:line`. */
  key: string;
  functionName: string;
  location: string;
  /** Where the function lives: `ours`, a package name, `node`, or a V8 pseudo-frame. */
  origin: string;
  selfMs: number;
  /** Time with the function anywhere on the stack (recursion counted once). */
  totalMs: number;
}

export interface ProfileSummary {
  file: string;
  /** Span summarized (the window, or the whole profile). */
  wallMs: number;
  /** Sampled time minus `(idle)`: what the process spent on a CPU. */
  busyMs: number;
  functions: FunctionCost[];
  /** Self time by origin, busy time only. */
  origins: Array<{ origin: string; selfMs: number }>;
}

export function originOf(url: string, root: string): string {
  if (url === '') return 'v8';
  if (url.startsWith('node:')) return 'node';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) {
    const [scopeOrName, name] = path.slice(inModules + '/node_modules/'.length).split('/');
    return scopeOrName!.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName!;
  }
  if (path.startsWith(root)) return 'ours';
  return 'other';
}

export function locationOf(url: string, line: number, root: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const shown = path.startsWith(root) ? relative(root, path).replace(/^node_modules\//, '') : path;
  return `${shown}:${line + 1}`;
}

/**
 * `window` (microseconds of CLOCK_MONOTONIC, the clock of both V8's profile timestamps and
 * `process.hrtime`, so the bench can name the span of its own measurement) keeps only the
 * samples taken within it: start-up and warm-up then do not blur the steady state.
 */
export function summarizeProfile(file: string, root: string, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const keyOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'} ${locationOf(url, lineNumber, root)}`.trim();
  };

  // Self time per tree node: sample i lasts until sample i + 1.
  const selfUs = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i]!;
    const duration = i + 1 < samples.length ? timeDeltas[i + 1]! : profile.endTime - at;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, duration));
  }
  const wallUs = window ? Math.min(window.toUs, profile.endTime) - Math.max(window.fromUs, profile.startTime) : profile.endTime - profile.startTime;

  const costs = new Map<string, FunctionCost>();
  const costOf = (node: ProfileNode) => {
    const key = keyOf(node);
    let cost = costs.get(key);
    if (!cost) {
      const { functionName, url, lineNumber } = node.callFrame;
      cost = {
        key,
        functionName: functionName || '(anonymous)',
        location: locationOf(url, lineNumber, root),
        origin: originOf(url, root),
        selfMs: 0,
        totalMs: 0,
      };
      costs.set(key, cost);
    }
    return cost;
  };

  let idleUs = 0;
  let sampledUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    sampledUs += us;
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    costOf(node).selfMs += us / 1000;
    // Inclusive time: every distinct function on this node's stack gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      const cost = costOf(frame);
      if (seen.has(cost.key)) continue;
      seen.add(cost.key);
      cost.totalMs += us / 1000;
    }
  }

  const functions = [...costs.values()]
    .filter((c) => (c.selfMs > 0 || c.totalMs > 0) && c.functionName !== '(idle)' && c.functionName !== '(root)')
    .sort((a, b) => b.selfMs - a.selfMs);
  const origins = new Map<string, number>();
  for (const f of functions) {
    const origin = f.origin === 'v8' ? f.functionName : f.origin;
    origins.set(origin, (origins.get(origin) ?? 0) + f.selfMs);
  }
  return {
    file,
    wallMs: wallUs / 1000,
    busyMs: (sampledUs - idleUs) / 1000,
    functions,
    origins: [...origins].map(([origin, selfMs]) => ({ origin, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}
