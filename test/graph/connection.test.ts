import { GraphQLError } from 'graphql';
import { walk } from '../helpers/paging.js';
import { decodeCursor, encodeCursor, planWindow, sliceConnection, toConnection } from '../../src/graph/connection.js';

const list = Array.from({ length: 45 }, (_, i) => i);
const scope = 'test-list';

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return (error as GraphQLError).extensions?.code;
  }
  return undefined;
}

describe('planWindow', () => {
  it('defaults to the first 20', () => {
    expect(planWindow({}, scope)).toEqual({ kind: 'window', start: 0, end: 20 });
  });

  it('pages forward from a cursor', () => {
    expect(planWindow({ first: 10, after: encodeCursor(scope, 9) }, scope)).toEqual({ kind: 'window', start: 10, end: 20 });
  });

  it('needs the total for `last` without `before`, and counts back from it once known', () => {
    expect(planWindow({ last: 5 }, scope)).toEqual({ kind: 'needsTotal' });
    expect(planWindow({ last: 5 }, scope, 45)).toEqual({ kind: 'window', start: 40, end: 45 });
  });

  it('pages backward from a cursor without knowing the total', () => {
    expect(planWindow({ last: 5, before: encodeCursor(scope, 3) }, scope)).toEqual({ kind: 'window', start: 0, end: 3 });
  });

  it('combines after and before', () => {
    const after = encodeCursor(scope, 4);
    const before = encodeCursor(scope, 10);
    expect(planWindow({ after, before }, scope)).toEqual({ kind: 'window', start: 5, end: 10 });
    expect(planWindow({ after, before, last: 2 }, scope)).toEqual({ kind: 'window', start: 8, end: 10 });
    expect(planWindow({ after: before, before: after }, scope)).toEqual({ kind: 'window', start: 11, end: 11 });
  });

  it('rejects every bad argument with BAD_USER_INPUT', () => {
    expect(codeOf(() => planWindow({ first: -1 }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ last: -1 }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ first: 101 }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ last: 101 }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ first: 1, last: 1 }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ after: 'not-a-cursor' }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ before: '!!!' }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ after: encodeCursor('other-list', 3) }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ after: Buffer.from('c1|test-list|-4').toString('base64url') }, scope))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planWindow({ first: 100 }, scope))).toBeUndefined();
    expect(codeOf(() => planWindow({ first: 0 }, scope))).toBeUndefined();
  });
});

describe('cursors', () => {
  it('round-trip and are opaque', () => {
    const cursor = encodeCursor(scope, 42);
    expect(cursor).not.toContain('42');
    expect(decodeCursor(scope, cursor, 'after')).toBe(42);
  });
});

describe('sliceConnection', () => {
  it('walks forward and backward over the whole list with no gap or duplicate', async () => {
    const page = (args: Parameters<typeof sliceConnection>[0]) => {
      const connection = sliceConnection(args, scope, list);
      return { items: connection.nodes, pageInfo: connection.pageInfo };
    };
    expect((await walk('forward', (after) => page({ first: 7, after }))).items).toEqual(list);
    expect((await walk('backward', (before) => page({ last: 7, before }))).items).toEqual(list);
  });

  it('reports page info and cursors of edges', () => {
    const page = sliceConnection({ first: 3, after: encodeCursor(scope, 1) }, scope, list);
    expect(page.nodes).toEqual([2, 3, 4]);
    expect(page.totalCount).toBe(45);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: page.edges[0]!.cursor, endCursor: page.edges[2]!.cursor });
    expect(decodeCursor(scope, page.edges[1]!.cursor, 'after')).toBe(3);
  });

  it('answers an empty page with null cursors', () => {
    const page = sliceConnection({ first: 0 }, scope, list);
    expect(page.edges).toEqual([]);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null });
    expect(sliceConnection({}, scope, []).pageInfo.hasNextPage).toBe(false);
  });

  it('is empty past the end', () => {
    const page = sliceConnection({ after: encodeCursor(scope, 400) }, scope, list);
    expect(page.nodes).toEqual([]);
    expect(page.pageInfo.hasNextPage).toBe(false);
  });
});

describe('toConnection', () => {
  it('places a fetched page at its offset', () => {
    const page = toConnection(scope, ['a', 'b'], 10, 12);
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(page.pageInfo.hasPreviousPage).toBe(true);
    expect(decodeCursor(scope, page.pageInfo.endCursor!, 'before')).toBe(11);
  });
});
