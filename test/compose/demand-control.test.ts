import { getOperationAST, parse } from 'graphql';
import { operationCost } from '../../src/plugins/limits/index.js';
import { buildGatewaySchema } from '../../src/schema.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { composeBoth } from './compose.js';
import { startHiveGateway, type HiveGateway } from './hive-gateway.js';

// The cost model is in the SDL (`@listSize` on each connection), so a router's demand control
// reads it from the supergraph: here Hive Gateway's, with its estimate in `extensions.cost`.
// Its arithmetic charges each list item's own object too (ours does not), so the two estimates
// differ by a fixed rule; both follow `first`/`last` and the assumed page of 20 from the SDL.

let stack: Stack;
let router: HiveGateway;
const schema = buildGatewaySchema();

const MAX_COST = 1000;

beforeAll(async () => {
  stack = await startStack();
  const sdl = (await stack.query('{ _service { sdl } }')).body.data._service.sdl;
  const composed = composeBoth([{ name: 'gateway', url: stack.gateway.url, sdl }]);
  if (!composed.guild.supergraphSdl) throw new Error(composed.guild.errors.join('\n'));
  router = await startHiveGateway(composed.apollo.supergraphSdl!, { config: { demandControl: { maxCost: MAX_COST, includeExtensionMetadata: true } } });
}, 60_000);

afterAll(async () => {
  await router?.stop();
  await stack?.close();
});

const page = (args: string) => `query($id: Int!) { partner(id: $id) { companyRelationships${args} { totalCount nodes { company { name } } } } }`;

function ourCost(query: string, variables: Record<string, unknown>): number | null {
  const document = parse(query);
  return operationCost(schema, document, getOperationAST(document)!, variables);
}

async function routerCost(query: string, variables: Record<string, unknown>): Promise<number> {
  const res = await router.query(query, variables);
  expect(res.body.errors).toBeUndefined();
  const cost = (res.body as { extensions?: { cost?: { estimated?: number } } }).extensions?.cost?.estimated;
  if (typeof cost !== 'number') throw new Error(`no cost estimate in ${JSON.stringify(res.body).slice(0, 300)}`);
  return cost;
}

describe("Hive Gateway's demand control over our @listSize", () => {
  it('sizes a connection by first, else last, as our limit does', async () => {
    const id = stack.sims.dataset.fixtures.bigPartnerId;
    const sizes: Array<[string, number]> = [
      ['(first: 5)', 5],
      ['(first: 50)', 50],
      ['(last: 7)', 7],
    ];
    for (const [args, items] of sizes) {
      // Ours: partner, companyRelationships, nodes once; company per item.
      expect(ourCost(page(args), { id })).toBe(3 + items);
      // Hive's: partner, companyRelationships once; per item the relationship and its company.
      expect(await routerCost(page(args), { id })).toBe(2 + 2 * items);
    }
    // With neither `first` nor `last`, we count the assumed page of 20 (what the connection
    // serves); Hive Gateway 2.15 counts 1 item: it reads `assumedSize` only on a field that
    // lists no slicing arguments. A router that budgets such queries should be given `first`.
    expect(ourCost(page(''), { id })).toBe(3 + 20);
    expect(await routerCost(page(''), { id })).toBe(2 + 2 * 1);
  });

  it('refuses at the router what the same SDL prices over its budget, before our subgraph is called', async () => {
    const id = stack.sims.dataset.fixtures.bigPartnerId;
    stack.resetCounts();
    const query = page('(first: 100)').replace('company { name }', 'company { organization { relationships(first: 100) { nodes { target { name } } } } }');
    expect(ourCost(query, { id })).toBeGreaterThan(5000); // Our own limit (5000 by default) refuses it too.
    const res = await router.query(query, { id });
    // Hive Gateway answers it as a field error at the root field it refused.
    expect(res.body.data).toEqual({ partner: null });
    expect(res.body.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['COST_ESTIMATED_TOO_EXPENSIVE', ['partner']]]);
    expect(stack.upstreamRequests()).toEqual({});
  });
});
