import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { SharedCaps, type Release } from '../../src/http/concurrency/index.js';
import { describeWith, redisUrl } from '../helpers/services.js';
import { codes, linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// A gateway whose Inspectorio cap (1 here) is all held by another replica: the call waits for a
// slot until the operation's deadline, then the field fails with UPSTREAM_UNAVAILABLE, and
// Inspectorio never hears of it.

describeWith('redis')('a gateway that gets no slot before the deadline', () => {
  const prefix = `test-noslot-${randomUUID()}`;
  let stack: Stack;
  let otherReplica: SharedCaps;
  let held: Release;

  beforeAll(async () => {
    stack = await startStack({
      env: { REDIS_URL: redisUrl(), CACHE_KEY_PREFIX: prefix, OPERATION_TIMEOUT_MS: '400' },
      targets: (_, defaults) => ({ ...defaults, inspectorio: { ...defaults.inspectorio, maxInFlight: 1 } }),
    });
    otherReplica = new SharedCaps({ redisUrl: redisUrl(), keyPrefix: prefix, expectedReplicas: 2, leaseMs: 5_000, redisTimeoutMs: 250 }, pino({ level: 'silent' }));
    expect(await otherReplica.whenShared(5_000)).toBe(true);
    held = await otherReplica.limiter('inspectorio', stack.sims.inspectorio.url, 1).acquire(undefined, undefined);
  });

  afterAll(async () => {
    held?.();
    await otherReplica?.close();
    await stack?.close();
  });

  it('answers UPSTREAM_UNAVAILABLE naming the cap, and sends nothing to Inspectorio', async () => {
    const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
    stack.resetCounts();
    const response = await stack.query(`{ company(id: ${id}) { name organization { name } } }`);
    expect(response.status).toBe(200);
    expect(codes(response)).toEqual(['UPSTREAM_UNAVAILABLE']);
    // The limiter and the operation's wait on the shared read (src/cache/shared-reads.ts) both
    // give up at the deadline; whichever comes first words the error.
    expect(response.body.errors![0]!.message).toMatch(
      /^inspectorio GET \/v1\/organizations failed: (no free slot among the 1 requests allowed in flight to inspectorio before the operation's deadline|aborted \(operation deadline reached\))$/,
    );
    expect(response.body.data).toEqual({ company: { name: expect.any(String), organization: null } });
    expect(stack.sims.inspectorio.requests.count()).toBe(0);
  });

  it('goes through once the other replica gives its slot back', async () => {
    held();
    const id = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
    const response = await stack.query(`{ company(id: ${id}) { organization { name } } }`);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.company.organization.name).toEqual(expect.any(String));
  });
});
