import { request } from 'undici';
import { loadConfig, type Config, type UpstreamTargets } from '../../src/config.js';
import { buildGatewaySchema } from '../../src/schema.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/server.js';
import { startSimulators, SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN, type Simulators, type SimulatorsOptions } from '../../src/sim/index.js';

// The whole product over real HTTP: both simulators and a gateway on ephemeral ports.

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { data?: T | null; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }> };
}

export interface Stack {
  sims: Simulators;
  gateway: RunningGateway;
  query<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Upstream requests the simulators saw since the last reset, by route. */
  upstreamRequests(): Record<string, number>;
  resetCounts(): void;
  close(): Promise<void>;
}

let sharedSchema: ReturnType<typeof buildGatewaySchema> | undefined;

export interface StackOptions {
  /** Environment for loadConfig (PORT and HOST are set for you). */
  env?: Record<string, string>;
  config?: Partial<Config>;
  /** Options of the simulators. */
  sims?: SimulatorsOptions;
  /** Adjusts the upstream targets once the simulators' URLs are known. */
  targets?: (sims: Simulators, defaults: UpstreamTargets) => UpstreamTargets;
  /** Where the gateway logs and traces (the observability tests read them), and replaced route tables (the policy tests). */
  gateway?: Pick<GatewayOptions, 'logger' | 'tracerProvider' | 'upstreamDefinitions'>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sims = await startSimulators(options.sims);
  // SIMULATORS: the stack points the gateway at its own simulators, also when NODE_ENV=production.
  const config = { ...loadConfig({ PORT: '0', HOST: '127.0.0.1', CACHE_ENABLED: 'false', SIMULATORS: 'true', ...options.env }), ...options.config };
  sharedSchema ??= buildGatewaySchema();
  const gateway = await startGateway({
    ...options.gateway,
    config,
    schema: sharedSchema,
    upstreams: (options.targets ?? ((_, d) => d))(sims, {
      iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: 32 },
      inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: 20 },
    }),
  });
  const stack: Stack = {
    sims,
    gateway,
    query: (query, variables, headers) => postGraphQL(gateway.url, { query, variables }, headers),
    upstreamRequests: () => {
      const counts: Record<string, number> = {};
      for (const [route, n] of Object.entries({ ...sims.iqmetrix.requests.byRoute(), ...sims.inspectorio.requests.byRoute() })) {
        if (n > 0) counts[route] = n;
      }
      return counts;
    },
    resetCounts: () => {
      sims.iqmetrix.requests.reset();
      sims.inspectorio.requests.reset();
    },
    close: async () => {
      await gateway.close();
      await sims.close();
    },
  };
  return stack;
}

export async function postGraphQL<T = any>(url: string, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.body.text();
  let parsed: GraphQLResponse<T>['body'];
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`gateway answered ${response.statusCode} with a non-JSON body: ${text.slice(0, 300)}`);
  }
  return { status: response.statusCode, headers: response.headers, body: parsed };
}

/** The `extensions.code` of each error, in order. */
export function codes(response: GraphQLResponse): string[] {
  return (response.body.errors ?? []).map((e) => String(e.extensions?.code));
}

/** Ids of companies that have an Inspectorio organization, in id order. */
export function linkedCompanyIds(dataset: Simulators['dataset'], count: number): number[] {
  const linked = new Set([...dataset.organizations.values()].map((o) => o.externalId));
  return [...dataset.companies.keys()].filter((id) => linked.has(String(id))).sort((a, b) => a - b).slice(0, count);
}
