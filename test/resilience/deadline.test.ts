import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { SIM_IQMETRIX_OAUTH } from '../../src/sim/index.js';
import { codes, linkedCompanyIds, startStack, type Stack, type StackOptions } from '../helpers/stack.js';

// Issue 11, item 8: no response later than OPERATION_TIMEOUT_MS + 1 s, whatever the operation
// waited for: an upstream that hangs for 30 s, a slot under the in-flight cap, a retry, a
// credential. Small deadlines, real HTTP, the simulators' hangs that end on their own.

const GRACE_MS = 1_000;

async function timed(stack: Stack, query: string, variables?: Record<string, unknown>) {
  const started = performance.now();
  const res = await stack.query(query, variables);
  return { res, ms: performance.now() - started };
}

async function withStack(options: StackOptions, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack(options);
  try {
    await run(stack);
  } finally {
    // The simulators first: a hung upstream request ends only when its socket closes, and the
    // gateway's shutdown waits for the requests it still has in flight.
    await stack.sims.close();
    await stack.gateway.close();
  }
}

describe('the operation deadline holds', () => {
  it('an upstream that answers after 30 s', async () => {
    await withStack({ env: { OPERATION_TIMEOUT_MS: '500', UPSTREAM_HEADERS_TIMEOUT_MS: '30000' } }, async (stack) => {
      stack.sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { hang: 30_000 });
      stack.sims.inspectorio.faults.set('*', { hang: 30_000 });
      const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
      const { res, ms } = await timed(stack, `query($id: Int!) { company(id: $id) { name organization { name } } }`, { id });
      expect(ms).toBeLessThan(500 + GRACE_MS);
      // The company's call fails at the deadline; `company` is null, so its organization is never asked for.
      expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(res.body.data).toEqual({ company: null });
    });
  });

  it('a slot under the in-flight cap that a younger operation holds past this one’s deadline', async () => {
    const DEADLINE = 2_000;
    await withStack(
      {
        env: { OPERATION_TIMEOUT_MS: String(DEADLINE), UPSTREAM_HEADERS_TIMEOUT_MS: '30000', UPSTREAM_MAX_RETRIES: '0' },
        // One iQmetrix request in flight at a time.
        targets: (_, d) => ({ ...d, iqmetrix: { ...d.iqmetrix, maxInFlight: 1 } }),
      },
      async (stack) => {
        const { dataset } = stack.sims;
        const [holderCompany] = linkedCompanyIds(dataset, 2).slice(1);
        const org = [...dataset.organizations.values()].find((o) => o.externalId !== null && dataset.companies.has(Number(o.externalId)) && Number(o.externalId) !== holderCompany)!;
        // The older operation reads an organization (1.8 s), then its company from iQmetrix…
        stack.sims.inspectorio.faults.set(INSPECTORIO.routes.organization.name, { latencyMs: 1_800 });
        // …whose only slot a younger operation, started 1.5 s later, holds with a call that hangs for 30 s.
        stack.sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { hang: 30_000, urlContains: `(${holderCompany})` });
        const older = timed(stack, `query($id: Int!) { organization(id: $id) { name company { name } } }`, { id: org.id });
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const younger = timed(stack, `query($id: Int!) { company(id: $id) { name } }`, { id: holderCompany });
        const [a, b] = await Promise.all([older, younger]);
        // Waiting for the slot ends at the older operation's own deadline, not at the holder's.
        expect(a.ms).toBeLessThan(DEADLINE + GRACE_MS);
        expect(b.ms).toBeLessThan(DEADLINE + GRACE_MS);
        expect(a.res.body.data.organization.name).toBe(org.name);
        expect(codes(a.res)).toEqual(['UPSTREAM_UNAVAILABLE']);
        expect(a.res.body.errors![0]!.path).toEqual(['organization', 'company']);
      },
    );
  });

  it('retries: a failing upstream with long backoffs', async () => {
    await withStack(
      { env: { OPERATION_TIMEOUT_MS: '500', UPSTREAM_MAX_RETRIES: '5', UPSTREAM_RETRY_BASE_DELAY_MS: '300', UPSTREAM_RETRY_MAX_DELAY_MS: '2000' } },
      async (stack) => {
        stack.sims.iqmetrix.faults.set(IQMETRIX.routes.company.name, { status: 503, latencyMs: 150 });
        const { res, ms } = await timed(stack, `{ company(id: ${linkedCompanyIds(stack.sims.dataset, 1)[0]}) { name } }`);
        expect(ms).toBeLessThan(500 + GRACE_MS);
        expect(codes(res)).toEqual(['UPSTREAM_UNAVAILABLE']);
      },
    );
  });

  it('a credential: the token endpoint hangs for 30 s', async () => {
    await withStack(
      {
        env: { OPERATION_TIMEOUT_MS: '500', UPSTREAM_HEADERS_TIMEOUT_MS: '30000' },
        targets: (sims, d) => ({ ...d, iqmetrix: { ...d.iqmetrix, token: undefined, oauth: { accountsUrl: sims.iqmetrix.accountsUrl, ...SIM_IQMETRIX_OAUTH } } }),
      },
      async (stack) => {
        stack.sims.iqmetrix.faults.set(IQMETRIX.routes.token.name, { hang: 30_000 });
        const ids = linkedCompanyIds(stack.sims.dataset, 3);
        const results = await Promise.all(ids.map((id) => timed(stack, `{ company(id: ${id}) { name } }`)));
        for (const { res, ms } of results) {
          expect(ms).toBeLessThan(500 + GRACE_MS);
          expect(codes(res)).toHaveLength(1);
        }
      },
    );
  });
});
