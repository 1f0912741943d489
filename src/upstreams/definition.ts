import type { UpstreamRequest, UpstreamResponse, UpstreamHooks } from '../http/transport.js';
import { checkBreaker, checkPolicy, resolvePolicy, type BreakerSettings, type PolicySource, type RequestPolicy } from '../http/policy.js';

// The shape of one upstream's definition (src/upstreams/<name>/definition.ts): where it is
// configured, and its route table. Everything else reads routes from here: the clients build
// paths and map bodies with them, the transport asks them for each request's policy, the
// cache for each route's lifetime, config for the CACHE_TTL_* variables, metrics and logs
// label by their names, and the simulators and the bench route and count by them.

export type { RequestPolicy, BreakerSettings, PolicySource } from '../http/policy.js';

/** One endpoint of an upstream. `Args` are what its path needs; `T` is what its mapping returns. */
export interface RouteDefinition<Args extends unknown[] = any[], T = unknown> {
  /**
   * Method and path template, e.g. `GET /Companies({id})`: the route's name in metrics, logs,
   * traces, cache keys' TTL lookup and the simulators' request counts and fault injection.
   */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** Path and query from the arguments, relative to the upstream's base URL. */
  readonly path: (...args: Args) => string;
  /**
   * Wire → domain: checks what the graph relies on and throws UpstreamShapeError when the body
   * does not have it (the field then nulls with UPSTREAM_UNAVAILABLE).
   */
  readonly map: (body: unknown, ...args: Args) => T;
  /**
   * Caching of successful reads: seconds to keep when the upstream sends no Cache-Control,
   * and the variable that overrides it (0 turns caching off for the route). Absent: never cached.
   */
  readonly cache?: { readonly ttlSeconds: number; readonly env: string };
  /**
   * The record a single read of this route is (e.g. `organization 6000`): with the cache on,
   * it is kept and looked up under that name, so a record another route's `records` wrote
   * (a batch) answers it without a call.
   */
  readonly record?: (...args: Args) => string;
  /**
   * The records a response holds, by name (e.g. each organization of a batch by id and by
   * externalId): kept, with the response's lifetimes, for later single reads and batches.
   * Values must be plain JSON data (they are stored as JSON in Redis).
   */
  // Method syntax: checked bivariantly, so a table's route (T = its own record type) fits RouteDefinition<any[], unknown>.
  records?(value: T, ...args: Args): Iterable<readonly [name: string, value: unknown]>;
  /** Overrides of the UPSTREAM_* settings for this route: a value, or a function of the request. */
  readonly policy?: PolicySource<UpstreamRequest>;
  /**
   * A circuit of the route's own, with these settings over the UPSTREAM_BREAKER_* ones, so the
   * route failing never suspends the upstream's other routes (nor they it); `{}` gives it a
   * circuit of its own with the UPSTREAM_BREAKER_* settings. Its state changes reach the
   * observers with the route's name (logs, gateway_upstream_route_breaker_state). Absent: the
   * route shares the upstream's circuit, which /readyz watches.
   */
  readonly breaker?: Partial<BreakerSettings>;
}

/** The caller's headers, as far as pass-through mode reads them. */
export type CallerHeaders = Record<string, string | string[] | undefined>;

/** How an upstream takes a credential: one header, from the service's secret or the caller's own. */
export interface CredentialScheme {
  /** The request header that carries it upstream, lower case (e.g. `apikey`): its values are also kept out of logged bodies. */
  readonly header: string;
  /** The header's value for a secret, e.g. `Bearer ${secret}`. */
  readonly value: (secret: string) => string;
  /** Pass-through mode: the caller's own credential for this upstream from its request headers; undefined when it sent none. */
  readonly fromCaller: (headers: CallerHeaders) => string | undefined;
  /** How a caller sends it, for the UNAUTHENTICATED message when it did not, e.g. "send `X-Api-Key: <key>`". */
  readonly howToSend: string;
}

/** One header of the caller's request, trimmed; undefined when absent or empty. */
export function callerHeader(headers: CallerHeaders, name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/** Where an upstream is configured: the names of its environment variables. */
export interface UpstreamSettingsNames {
  /** Base URL variable, e.g. IQMETRIX_URL. */
  readonly url: string;
  /** In-flight cap variable, e.g. IQMETRIX_MAX_IN_FLIGHT. */
  readonly maxInFlight: string;
  /** Variables that carry the service's own credential (service auth mode). */
  readonly credentials: readonly string[];
}

export interface UpstreamDefinition<Routes extends Record<string, RouteDefinition> = Record<string, RouteDefinition>> {
  /** The `upstream` of errors, metrics and logs, e.g. `iqmetrix`. Lowercase letters, digits and `-`. */
  readonly name: string;
  /**
   * A built-in upstream's environment variables, which src/config.ts reads. An upstream added
   * through startGateway's `extensions` leaves it out: its URL, cap and credential are given
   * in code (ExtraUpstream), and only its routes' CACHE_TTL_* variables are read.
   */
  readonly settings?: UpstreamSettingsNames;
  /**
   * What is wrong with a base URL for this upstream (e.g. a missing API version), or undefined
   * when nothing is. Config applies it to the URL variable; Upstreams to an added upstream's `url`.
   */
  readonly checkUrl?: (url: URL) => string | undefined;
  /** How it takes a credential (the built-in upstreams' service and pass-through modes read it). */
  readonly credential?: CredentialScheme;
  /** Requests in flight at most, by default and at most (a documented limit of the upstream). */
  readonly maxInFlight: { readonly default: number; readonly max: number };
  readonly routes: Routes;
  /** An upstream's own rate-limit header, read as a wait before retrying (ms); undefined: none. */
  readonly retryDelayMs?: (response: UpstreamResponse) => number | undefined;
}

/**
 * Checks a definition once, where it is written: unique route names, sane policies. A
 * mistake here is a programming error and throws at import, naming the route.
 */
export function defineUpstream<Routes extends Record<string, RouteDefinition>>(definition: UpstreamDefinition<Routes>): UpstreamDefinition<Routes> {
  if (!/^[a-z][a-z0-9-]*$/.test(definition.name)) throw new RangeError(`upstream name ${JSON.stringify(definition.name)} must be lowercase letters, digits and -`);
  const names = new Set<string>();
  for (const [key, route] of Object.entries(definition.routes)) {
    const where = `${definition.name} route ${key} (${route.name})`;
    if (!new RegExp(`^${route.method} /`).test(route.name)) throw new RangeError(`${where}: the name must be "<method> <path template>"`);
    if (names.has(route.name)) throw new RangeError(`${where}: another route has the same name`);
    names.add(route.name);
    if (typeof route.policy !== 'function') checkPolicy(where, route.policy);
    checkBreaker(where, route.breaker);
    if (route.cache && !(Number.isInteger(route.cache.ttlSeconds) && route.cache.ttlSeconds >= 0)) throw new RangeError(`${where}: cache.ttlSeconds must be a whole number ≥ 0`);
  }
  const conflict = ttlVariableConflicts([definition])[0];
  if (conflict) throw new RangeError(`${definition.name}: ${conflict}`);
  return definition;
}

/** A copy of `definition` with some routes changed (a policy, a lifetime): for a deployment or a test. */
export function withRoutes<Routes extends Record<string, RouteDefinition>>(
  definition: UpstreamDefinition<Routes>,
  changes: { [K in keyof Routes]?: Partial<Pick<RouteDefinition, 'policy' | 'breaker' | 'cache'>> },
): UpstreamDefinition<Routes> {
  const routes = { ...definition.routes };
  for (const key of Object.keys(changes) as Array<keyof Routes>) routes[key] = { ...routes[key], ...changes[key] } as Routes[typeof key];
  return defineUpstream({ ...definition, routes });
}

/** The route table as the transport asks it: each request's policy, each route's circuit, the upstream's wait header. */
export function transportHooks(definition: UpstreamDefinition): UpstreamHooks {
  const byName = new Map(Object.values(definition.routes).map((route) => [route.name, route]));
  return {
    policy: (request: UpstreamRequest): RequestPolicy | undefined => {
      const route = byName.get(request.route);
      if (!route?.policy) return undefined;
      const policy = resolvePolicy(route.policy, request);
      return typeof route.policy === 'function' ? checkPolicy(`${definition.name} ${route.name}`, policy) : policy;
    },
    breaker: (name) => byName.get(name)?.breaker,
    retryDelayMs: definition.retryDelayMs,
  };
}

/** The key of a route's cache lifetime (routeTtls, UpstreamReadCache): `<upstream> <route name>`, e.g. `iqmetrix GET /Companies({id})`. */
export function ttlKey(upstream: string, route: string): string {
  return `${upstream} ${route}`;
}

/**
 * The lifetime of every cached route of these upstreams, in seconds, by ttlKey: the value of
 * the route's CACHE_TTL_* variable when `variables` has one (config.cache.ttlVariables), else
 * the route table's default. Give it the definitions the gateway actually registered, so that
 * a replaced built-in (withRoutes) brings its own defaults.
 */
export function routeTtls(definitions: readonly UpstreamDefinition[], variables: Readonly<Record<string, number>> = {}): Record<string, number> {
  const ttls: Record<string, number> = {};
  for (const definition of definitions) {
    for (const route of Object.values(definition.routes)) {
      if (route.cache) ttls[ttlKey(definition.name, route.name)] = variables[route.cache.env] ?? route.cache.ttlSeconds;
    }
  }
  return ttls;
}

/**
 * Routes that share a CACHE_TTL_* variable must agree on its default: otherwise the variable
 * would mean one thing when set and two when not. One message per variable in conflict.
 */
export function ttlVariableConflicts(definitions: readonly UpstreamDefinition[]): string[] {
  const byVariable = new Map<string, Map<number, string>>();
  for (const definition of definitions) {
    for (const route of Object.values(definition.routes)) {
      if (!route.cache) continue;
      const defaults = byVariable.get(route.cache.env) ?? new Map<number, string>();
      if (!defaults.has(route.cache.ttlSeconds)) defaults.set(route.cache.ttlSeconds, `${definition.name} ${route.name}`);
      byVariable.set(route.cache.env, defaults);
    }
  }
  return [...byVariable]
    .filter(([, defaults]) => defaults.size > 1)
    .map(([env, defaults]) => `${env} serves routes with different default lifetimes (${[...defaults].map(([ttl, route]) => `${route}: ${ttl} s`).join(', ')}): give them one default, or each its own variable.`);
}
