import type { Checked } from '../domain/checked.js';
import { badUserInput } from '../errors.js';

// Relay cursor connections over lists addressed by offset: the iQmetrix list (fetched a
// page at a time with $skip/$top) and Inspectorio relationship lists (fetched whole and
// sliced here). Both use the same window arithmetic, so it lives in this one module.

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** The slice `[start, end)` of the whole list that a page covers. */
export interface PageWindow {
  start: number;
  end: number;
}

export type WindowPlan =
  | { kind: 'window'; start: number; end: number }
  /** `last` without `before` counts back from the end, which needs the list's length first. */
  | { kind: 'needsTotal' };

/**
 * A cursor names a position in one particular list: `scope` ties it to that list (the
 * partner, or the organization and filter), so a cursor from another list is rejected
 * instead of silently paging the wrong thing.
 */
export function encodeCursor(scope: string, offset: number): string {
  return Buffer.from(`c1|${scope}|${offset}`, 'utf8').toString('base64url');
}

export function decodeCursor(scope: string, cursor: string, argumentName: 'after' | 'before'): number {
  const decoded = /^[A-Za-z0-9_-]{1,300}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^c1\|(.*)\|(\d{1,9})$/.exec(decoded);
  if (!match || encodeCursor(match[1]!, Number(match[2])) !== cursor) {
    throw badUserInput(`\`${argumentName}\` is not a cursor issued by this server.`, { argumentName });
  }
  if (match[1] !== scope) {
    throw badUserInput(`\`${argumentName}\` is a cursor of another list; cursors are valid only for the list (and filter) that issued them.`, {
      argumentName,
    });
  }
  return Number(match[2]);
}

function checkCount(value: number | null | undefined, argumentName: 'first' | 'last'): void {
  if (value === null || value === undefined) return;
  if (value < 0) throw badUserInput(`\`${argumentName}\` must not be negative (got ${value}).`, { argumentName });
  if (value > MAX_PAGE_SIZE) {
    throw badUserInput(`\`${argumentName}\` may be at most ${MAX_PAGE_SIZE} (got ${value}).`, { argumentName });
  }
}

/**
 * Validates the arguments and works out which slice of the list they ask for, following the
 * Relay spec's algorithm (after/before narrow the list, then first keeps the head, last the tail).
 * `total` is the list length when it is already known.
 */
export function planWindow(args: ConnectionArgs, scope: string, total?: number): WindowPlan {
  const hasFirst = args.first !== null && args.first !== undefined;
  const hasLast = args.last !== null && args.last !== undefined;
  if (hasFirst && hasLast) {
    throw badUserInput('Pass either `first` or `last`, not both.', { argumentName: 'first' });
  }
  checkCount(args.first, 'first');
  checkCount(args.last, 'last');

  // An empty string is a cursor too, and not one of ours: only null/absent means "none".
  let start = args.after != null ? decodeCursor(scope, args.after, 'after') + 1 : 0;
  let end = args.before != null ? decodeCursor(scope, args.before, 'before') : (total ?? Infinity);
  if (total !== undefined) end = Math.min(end, total);
  end = Math.max(start, end);

  if (hasLast) {
    if (end === Infinity) return { kind: 'needsTotal' };
    start = Math.max(start, end - args.last!);
  } else {
    end = Math.min(end, start + (hasFirst ? args.first! : DEFAULT_PAGE_SIZE));
  }
  return { kind: 'window', start, end };
}

/** The window over a list whose length is known: then there always is one. */
export function windowWithin(args: ConnectionArgs, scope: string, total: number): PageWindow {
  const plan = planWindow(args, scope, total);
  if (plan.kind !== 'window') throw new Error('unreachable: planWindow answers a window whenever the total is given');
  return plan;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  /** An error in place of the count when the upstream's count cannot be shown (src/domain/checked.ts). */
  totalCount: Checked<number>;
}

/**
 * Builds the connection for `items`, which sit at `start` in a list of `total` items.
 * `hasPreviousPage`/`hasNextPage` are exact in both directions: offsets make that free.
 * `totalCount` is `total` unless the caller has it as an upstream value that may be unreadable.
 * Cursors are minted only when asked for (`edges`, `startCursor`, `endCursor`): a selection of
 * `nodes` alone, like the relationship lists of a supply network, then mints none (issue 12).
 */
export function toConnection<T>(scope: string, items: readonly T[], start: number, total: number, totalCount: Checked<number> = total): Connection<T> {
  let edges: Edge<T>[] | undefined;
  const last = items.length - 1;
  return {
    get edges() {
      return (edges ??= items.map((node, i) => ({ cursor: encodeCursor(scope, start + i), node })));
    },
    nodes: items as T[],
    pageInfo: {
      hasPreviousPage: start > 0,
      hasNextPage: start + items.length < total,
      get startCursor() {
        return last < 0 ? null : (edges?.[0]?.cursor ?? encodeCursor(scope, start));
      },
      get endCursor() {
        return last < 0 ? null : (edges?.[last]?.cursor ?? encodeCursor(scope, start + last));
      },
    },
    totalCount,
  };
}

/** Pages a list held in memory whole; `map` turns only the page's items into the nodes. */
export function sliceConnection<T, N = T>(args: ConnectionArgs, scope: string, list: readonly T[], map?: (item: T) => N): Connection<N> {
  const { start, end } = windowWithin(args, scope, list.length);
  const items = list.slice(start, end);
  return toConnection(scope, map ? items.map(map) : (items as unknown as N[]), start, list.length);
}
