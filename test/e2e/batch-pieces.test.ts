import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { MAX_EXTERNAL_ID_QUERY_LENGTH } from '../../src/upstreams/inspectorio/external-ids.js';
import { startStack, type Stack } from '../helpers/stack.js';

// Issue 11, item 5: one DataLoader batch of externalIds may become several upstream calls
// (split by URL length). Each key's outcome depends only on the call that carried it.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { UPSTREAM_MAX_RETRIES: '0' } });
});
afterAll(() => stack.close());
afterEach(() => stack.sims.inspectorio.faults.clear());
beforeEach(() => stack.resetCounts());

const LONG = 25;
/** Long enough that 25 of them fill one call's URL exactly, so the 26th key goes in a second call. */
const longId = (i: number) => `zz-missing-${String(i).padStart(2, '0')}-`.padEnd(Math.floor(MAX_EXTERNAL_ID_QUERY_LENGTH / LONG) - 1, 'x');

function batchQuery(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$e${i}: String!`).join(', ');
  const fields = Array.from({ length: count }, (_, i) => `o${i}: organizationByExternalId(externalId: $e${i}) { organizationId name }`).join('\n');
  return `query(${variables}) {\n${fields}\n}`;
}

function realOrganization() {
  return [...stack.sims.dataset.organizations.values()].find((o) => o.externalId !== null && /^\d+$/.test(o.externalId))!;
}

describe('batch pieces fail alone', () => {
  it('26 keys in two calls, the call with 25 fails: 25 errors, and the 26th key’s organization stands', async () => {
    const org = realOrganization();
    const externalIds = [...Array.from({ length: LONG }, (_, i) => longId(i)), org.externalId!];
    const variables = Object.fromEntries(externalIds.map((id, i) => [`e${i}`, id]));
    stack.sims.inspectorio.faults.set(INSPECTORIO.routes.organizations.name, { status: 503, urlContains: 'zz-missing-' });

    const res = await stack.query(batchQuery(externalIds.length), variables);
    expect(stack.upstreamRequests()).toEqual({ 'GET /v1/organizations': 2 });
    const errors = res.body.errors ?? [];
    expect(errors).toHaveLength(LONG);
    expect(errors.map((e) => e.extensions?.code)).toEqual(Array(LONG).fill('UPSTREAM_UNAVAILABLE'));
    expect(errors.map((e) => e.path![0]).sort()).toEqual(Array.from({ length: LONG }, (_, i) => `o${i}`).sort());
    expect(res.body.data[`o${LONG}`]).toEqual({ organizationId: org.id, name: org.name });
  });

  it('the other way round: the call with the one key fails, the 25 keys of the other call get their own answers', async () => {
    const org = realOrganization();
    const externalIds = [...Array.from({ length: LONG }, (_, i) => longId(i)), org.externalId!];
    const variables = Object.fromEntries(externalIds.map((id, i) => [`e${i}`, id]));
    stack.sims.inspectorio.faults.set(INSPECTORIO.routes.organizations.name, { status: 503, urlContains: `externalId=${org.externalId}&` });

    const res = await stack.query(batchQuery(externalIds.length), variables);
    const byCode = (code: string) => (res.body.errors ?? []).filter((e) => e.extensions?.code === code).map((e) => e.path![0]);
    // The 25 long ids exist nowhere: their own call answered, so each is NOT_FOUND, not an upstream failure.
    expect(byCode('NOT_FOUND')).toHaveLength(LONG);
    expect(byCode('UPSTREAM_UNAVAILABLE')).toEqual([`o${LONG}`]);
  });
});
