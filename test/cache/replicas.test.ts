import { createHash, randomUUID } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { SIM_INSPECTORIO_API_KEY, startSimulators, type Simulators } from '../../src/sim/index.js';
import { spawnGateway, type GatewayProcess } from '../helpers/child-gateway.js';
import { describeWith, redisUrl } from '../helpers/services.js';
import { codes, linkedCompanyIds, postGraphQL } from '../helpers/stack.js';

// Two gateway processes, as two replicas behind a load balancer, sharing the local Redis.
// Skipped locally without Redis (Jest's globalSetup says how to get it); required under CI=true.

const prefix = `test-${randomUUID()}`;

describeWith('redis')('replicas sharing Redis', () => {
  const REDIS_URL = redisUrl();
  let sims: Simulators;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    sims = await startSimulators();
    sims.iqmetrix.addToken('token-a');
    sims.iqmetrix.addToken('token-b', { companies: [] });
    const env = {
      IQMETRIX_URL: sims.iqmetrix.url,
      INSPECTORIO_URL: sims.inspectorio.url,
      AUTH_MODE: 'passthrough',
      REDIS_URL,
      CACHE_KEY_PREFIX: prefix,
      LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  }, 60_000);

  afterAll(async () => {
    for (const gateway of [a, b]) {
      gateway?.child.kill('SIGTERM');
      await gateway?.exited;
    }
    await sims?.close();
    const keyv = new Keyv({ store: new KeyvRedis(REDIS_URL), namespace: prefix });
    await keyv.clear();
    await keyv.disconnect();
  });

  const asCaller = (token: string) => ({ authorization: `Bearer ${token}`, 'x-inspectorio-api-key': SIM_INSPECTORIO_API_KEY });

  it('a read through replica A is served from the cache on replica B', async () => {
    const id = linkedCompanyIds(sims.dataset, 3)[2]!;
    const query = `{ company(id: ${id}) { name organization { name relationships(first: 2) { totalCount } } } }`;
    sims.iqmetrix.requests.reset();
    sims.inspectorio.requests.reset();
    const viaA = await postGraphQL(a.url, { query }, asCaller('token-a'));
    expect(viaA.body.errors).toBeUndefined();
    expect(sims.iqmetrix.requests.count()).toBe(1);
    expect(sims.inspectorio.requests.count()).toBe(2);

    const viaB = await postGraphQL(b.url, { query }, asCaller('token-a'));
    expect(viaB.body).toEqual(viaA.body);
    // Still one upstream request each: B answered from what A fetched.
    expect(sims.iqmetrix.requests.count()).toBe(1);
    expect(sims.inspectorio.requests.count()).toBe(2);
  });

  it('data cached under credential A never reaches credential B', async () => {
    const id = linkedCompanyIds(sims.dataset, 4)[3]!;
    const query = `{ company(id: ${id}) { name } }`;
    expect((await postGraphQL(a.url, { query }, asCaller('token-a'))).body.errors).toBeUndefined();
    sims.iqmetrix.requests.reset();
    const asB = await postGraphQL(b.url, { query }, asCaller('token-b'));
    expect(codes(asB)).toEqual(['FORBIDDEN']);
    expect(asB.body.data).toEqual({ company: null });
    expect(sims.iqmetrix.requests.entries().map((e) => e.credential)).toEqual(['token-b']);
  });

  it('an APQ hash registered on A works on B', async () => {
    const query = `query Apq${Date.now()} { partner(id: ${sims.dataset.fixtures.bigPartnerId}) { companyRelationships(first: 1) { totalCount } } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };

    const unknown = await postGraphQL(b.url, { extensions: { persistedQuery } }, asCaller('token-a'));
    expect(codes(unknown)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);

    const registered = await postGraphQL(a.url, { query, extensions: { persistedQuery } }, asCaller('token-a'));
    expect(registered.body.errors).toBeUndefined();

    const onB = await postGraphQL(b.url, { extensions: { persistedQuery } }, asCaller('token-a'));
    expect(onB.body).toEqual(registered.body);
  });
});
