import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import type { TracerProvider } from '@opentelemetry/api';
import compression from 'compression';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { ConfigError, type Config } from './config.js';
import { explorer } from './explorer.js';
import { countRefusals, jwtAuthentication, loadManifest, noServiceSdl, rateLimit, trustedDocuments } from './edge/index.js';
import { createOperationContext } from './graph/create-context.js';
import { formatError } from './graph/format-error.js';
import { knownOperationTypes } from './graph/operation-types.js';
import { noIntrospection } from './graph/no-introspection.js';
import type { GatewayContext } from './graph/context.js';
import { logger } from './logger.js';
import { Observability } from './observability/index.js';
import { corsOptions, limitsPlugin, requestBodyErrors } from './plugins/limits/index.js';
import { buildGatewaySchema, type SchemaExtension } from './schema.js';
import { createSharedStore } from './cache/store.js';
import { privateResponsesPlugin } from './plugins/cache-hints/index.js';
import { staticCacheControlPlugin } from './plugins/cache-hints/static-policy.js';
import { UpstreamReadCache } from './cache/upstream-cache.js';
import { staleReadsPlugin } from './cache/stale-plugin.js';
import { routeTtls, ttlVariableConflicts } from './upstreams/definition.js';
import { Upstreams, registeredDefinitions, type ExtraUpstream, type UpstreamTargets, type UpstreamsOptions } from './upstreams/index.js';
import { SharedCaps } from './http/concurrency/shared.js';
import { registerSharedCapGauges } from './http/concurrency/metrics.js';

export interface GatewayOptions {
  config: Config;
  /** Resolved upstream locations and credentials (the real ones or the simulators'). */
  upstreams: UpstreamTargets;
  /** A schema built earlier, to share one between servers in one process (tests). */
  schema?: GraphQLSchema;
  /** Where this gateway logs (default: the process logger of src/logger.ts). */
  logger?: Logger;
  /** Where traces go (main.ts passes the provider it started from OTEL_*); none: no tracing. */
  tracerProvider?: TracerProvider | undefined;
  /** The upstreams are the embedded simulators: /readyz then says `"simulator"` rather than their URLs. */
  simulated?: boolean;
  /** More upstreams, and the types, fields and resolvers that read them (docs/architecture.md, "How to add an upstream"). */
  extensions?: GatewayExtensions;
  /**
   * Replacements of the built-in upstream definitions: the same routes with other policies,
   * circuits or cache lifetimes (`withRoutes`, src/upstreams/definition.ts). Their routes'
   * default lifetimes apply unless a CACHE_TTL_* variable is set; give them to
   * `loadConfig(env, { upstreams })` too when they name a variable the built-in one does not.
   */
  upstreamDefinitions?: UpstreamsOptions['definitions'];
}

/** What an extension adds to the gateway: upstreams, and the part of the graph they serve. */
export interface GatewayExtensions extends SchemaExtension {
  /**
   * Upstreams beside iQmetrix and Inspectorio. Their routes' cache lifetimes are the route
   * tables' unless `loadConfig(env, { upstreams })` was given their definitions (then their
   * CACHE_TTL_* variables apply).
   */
  upstreams?: readonly ExtraUpstream[];
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  port: number;
  upstreams: Upstreams;
  /** Metrics registry (`observability.metrics`, with the cache's `cacheHit`/`cacheMiss`) and readiness. */
  observability: Observability;
  /**
   * Marks the gateway not ready (/readyz 503), waits SHUTDOWN_DELAY_MS, stops accepting, lets
   * in-flight operations finish (up to SHUTDOWN_GRACE_MS), then closes the upstream pools and
   * runs the `onClose` hooks.
   */
  close(): Promise<void>;
  /** Adds something to close after the upstream pools (a cache's Redis client…); hooks run last added first. */
  onClose(hook: () => Promise<void> | void): void;
}

/** How long a start waits for Redis to share the in-flight caps before going on with its share. */
const SHARED_CAPS_START_WAIT_MS = 2_000;

export async function startGateway({
  config,
  upstreams: targets,
  schema,
  logger: gatewayLogger = logger,
  tracerProvider,
  simulated = false,
  extensions = {},
  upstreamDefinitions,
}: GatewayOptions): Promise<RunningGateway> {
  if (schema && (extensions.typeDefs || extensions.resolvers)) throw new Error('startGateway: pass either a prebuilt schema or extensions with typeDefs/resolvers, not both');
  const extraUpstreams = extensions.upstreams ?? [];
  // First, so that a bad TRUSTED_DOCUMENTS_FILE stops the start before anything is opened.
  const manifest = config.edge.trustedDocuments.file ? await loadManifest(config.edge.trustedDocuments.file) : undefined;
  const app = express();
  app.disable('x-powered-by');
  // No ETag: Express would hash every answer (tens of kB for a supply network) for a header
  // that a POST never uses (issue 12).
  app.set('etag', false);
  // Once shutdown begins, every answer closes its connection. A load balancer keeps idle
  // keep-alive connections and may send on one just as the drain closes it (HAProxy then
  // answers 502, or drops its client's connection); a connection closed with the answer is
  // never reused.
  let stopping = false;
  app.use((_req, res, next) => {
    if (stopping) res.setHeader('connection', 'close');
    next();
  });
  // The client's address (the rate limit's key without a JWT) from X-Forwarded-For, as far as TRUST_PROXY says.
  if (config.edge.trustProxy !== undefined) app.set('trust proxy', config.edge.trustProxy);
  // gzip or br when the client accepts it: a partner's supply network is tens of kB of JSON
  // that shrinks about sixfold (17 kB to 3 kB). Below 1 kB the framing costs more than it saves.
  app.use(compression({ threshold: 1024 }));
  const httpServer = http.createServer(app);
  // Idle keep-alive connections outlive the load balancer's own idle timeout (see Config), and
  // headersTimeout must exceed keepAliveTimeout or Node cuts a connection that is merely idle.
  httpServer.keepAliveTimeout = config.keepAliveTimeoutMs;
  httpServer.headersTimeout = config.keepAliveTimeoutMs + 1_000;
  const observability = new Observability({ logger: gatewayLogger, tracerProvider, breakerHalfOpenAfterMs: config.resilience.breakerHalfOpenAfterMs });
  // Upstream reads and APQ share one store: Redis across replicas with REDIS_URL, else an LRU.
  const store = createSharedStore({ redisUrl: config.cache.redisUrl, maxMemoryBytes: config.cache.maxMemoryBytes, keyPrefix: config.cache.keyPrefix, timeoutMs: config.cache.timeoutMs });
  // Each cached route's lifetime, from the definitions this gateway registers (a replaced
  // built-in brings its own defaults) and the CACHE_TTL_* variables that are set.
  const registered = registeredDefinitions(upstreamDefinitions, extraUpstreams);
  const conflicts = ttlVariableConflicts(registered);
  if (conflicts.length > 0) throw new RangeError(conflicts.join(' '));
  const ttlSeconds = routeTtls(registered, config.cache.ttlVariables);
  const readCache = config.cache.enabled
    ? new UpstreamReadCache(store.cache, ttlSeconds, observability.metrics, {
        staleGraceSeconds: config.cache.staleGraceSeconds,
        localMaxBytes: config.cache.localMaxBytes,
        // Without Redis the in-process layer of parsed reads is the cache: a second copy of each body would only cost memory.
        sharedStore: store.kind === 'redis',
      })
    : undefined;
  // With REDIS_URL, each upstream's in-flight cap holds across all replicas (src/http/concurrency).
  // Shared before the first request, when Redis answers: a replica counting only its own calls
  // while the others count in Redis would add its own on top of the cap.
  const sharedCaps = config.sharedCaps ? new SharedCaps(config.sharedCaps, gatewayLogger) : undefined;
  if (sharedCaps && !(await sharedCaps.whenShared(SHARED_CAPS_START_WAIT_MS))) {
    gatewayLogger.warn({ replicas: sharedCaps.replicas }, 'in-flight caps: Redis did not answer at start; each replica keeps to its share of the caps until it does');
  }
  const upstreams = new Upstreams({
    targets,
    authMode: config.authMode,
    resilience: config.resilience,
    observer: observability.observer,
    cache: readCache,
    definitions: upstreamDefinitions,
    extra: extraUpstreams,
    limiter: sharedCaps && ((upstream, maxInFlight) => sharedCaps.limiter(upstream, targets[upstream as keyof UpstreamTargets]?.url ?? upstream, maxInFlight)),
  });
  observability.watch(upstreams);
  // Every registered upstream, added ones too; only the built-in two are ever the simulators.
  const added = new Set(extraUpstreams.map((upstream) => upstream.definition.name));
  observability.readiness.describeUpstreams(
    Object.fromEntries(Object.entries(upstreams.baseUrls()).map(([name, url]) => [name, simulated && !added.has(name) ? 'simulator' : withoutCredentials(url)])),
  );
  /** Closed after the upstream pools, on `close()`. */
  const closeHooks: Array<() => Promise<void> | void> = [() => store.close(), () => observability.close()];
  if (sharedCaps) closeHooks.push(() => sharedCaps.close());
  // Shared or on this replica's share, per upstream, on /metrics.
  if (sharedCaps) registerSharedCapGauges(observability.metrics.registry, sharedCaps);

  // The edge (src/edge): who may call (JWT), how often (rate limit), which documents. Each
  // refuses with an HTTP status before Apollo parses anything, so no resolver runs.
  const authentication = config.edge.auth ? jwtAuthentication(config.edge.auth, gatewayLogger) : undefined;
  const limiter = config.edge.rateLimit.perMinute > 0 ? rateLimit(config.edge.rateLimit, gatewayLogger) : undefined;
  if (limiter) closeHooks.push(() => limiter.close());
  // As for the in-flight caps: a replica whose Redis is not up yet would count its first clients
  // on its own. Wait a little for it; past that, the insurance limiter counts until it is.
  if (limiter && !(await limiter.whenShared(SHARED_CAPS_START_WAIT_MS))) {
    gatewayLogger.warn('rate limit: Redis did not answer at start; counting in this process until it does');
  }
  /** The upstream pools, then the hooks: on `close()`, and when the start fails from here on. */
  const closeOpened = async () => {
    await upstreams.close();
    for (const hook of [...closeHooks].reverse()) await hook();
  };
  // A start that fails (Apollo's start, the listener: PORT in use) closes what it opened: the
  // Redis clients of the shared caps, the rate limit and the store would otherwise stay
  // connected, and the caps' heartbeat would count a replica that never served.
  const failedStart = async (error: unknown): Promise<never> => {
    await closeOpened().catch((closeError: unknown) => gatewayLogger.warn({ err: closeError }, 'closing what a failed start opened failed'));
    throw error;
  };

  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownGraceMs }),
    ...observability.plugins,
    limitsPlugin(config.limits),
    // Cache-Control from the schema's hints, worked out once per document rather than by a hook
    // on every resolved field (Apollo's own plugin is disabled below); before privateResponsesPlugin.
    staticCacheControlPlugin(),
    ApolloServerPluginCacheControlDisabled(),
    privateResponsesPlugin(upstreams.perCallerCredentials),
    staleReadsPlugin(),
    config.landingPage ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
    // Federation's inline traces (ftv1), for a router that asks with `apollo-federation-include-trace:
    // ftv1`; errors in them masked (the default). Installed here, Apollo does not install its own
    // copy, which logs "Enabling inline tracing for this subgraph…" at info on every start.
    ApolloServerPluginInlineTrace(),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    schema: schema ?? buildGatewaySchema(extensions),
    // INTROSPECTION=false is enforced by noIntrospection below, whose message names the setting
    // (Apollo's own rule tells the caller to "pass introspection: true to ApolloServer").
    introspection: true,
    plugins,
    // In production it also strips every "Did you mean …?" (variable and argument coercion suggest too).
    formatError: formatError(config.production, gatewayLogger),
    includeStacktraceInErrorResponses: !config.production,
    // No "Did you mean …?" in production: suggestions spell out the schema that introspection hides.
    hideSchemaDetailsFromClientErrors: config.production,
    // A mutation or subscription is refused as invalid (400), not failed in execution (200, INTERNAL_SERVER_ERROR).
    validationRules: [knownOperationTypes, ...(config.introspection ? [] : [noIntrospection]), ...(config.edge.serviceSdl ? [] : [noServiceSdl])],
    csrfPrevention: true,
    cache: store.cache,
    persistedQueries: { ttl: config.cache.apqTtlSeconds },
    parseOptions: { maxTokens: config.limits.maxTokens },
    // Bounds the selections validation walks with fragments expanded (10M), which the token limit alone does not.
    maxRecursiveSelections: true,
    logger: gatewayLogger,
    // main.ts owns SIGTERM/SIGINT. Apollo's own handlers (on outside NODE_ENV=test) would
    // close the listener at once, skipping SHUTDOWN_DELAY_MS, and a second stop() racing
    // theirs never returns (Apollo 5 leaves the stop barrier unresolved on success).
    stopOnTerminationSignals: false,
  });
  await apollo.start().catch(failedStart);

  // Someone opening the bare address in a browser finds the graph from here.
  app.get('/', (_req, res) => {
    res.type('html').set('cache-control', 'no-store').send(homePage({ explorer: config.explorer, landingPage: config.landingPage, metrics: config.metrics }));
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(observability.routes({ metrics: config.metrics }));

  if (config.explorer) app.use('/explorer', explorer({ endpointUrl: '/graphql' }));

  app.use(
    '/graphql',
    // gateway_edge_refusals_total{code}: what the edge below refuses, counted by `refuse`.
    countRefusals(observability.metrics.registry),
    cors(corsOptions(config.corsOrigins)),
    // Authentication before the rate limit, which counts per verified subject; refused tokens
    // are counted per address before it, so junk tokens are limited too.
    ...(authentication && limiter ? [limiter.beforeAuthentication] : []),
    ...(authentication ? [authentication.middleware] : []),
    ...(limiter ? [limiter.middleware] : []),
    express.json({ limit: config.limits.maxBodyBytes }),
    trustedDocuments({ documents: manifest, only: config.edge.trustedDocuments.only, logger: gatewayLogger }),
    ...observability.graphqlMiddleware,
    expressMiddleware(apollo, {
      context: async ({ req, res }) => createOperationContext(upstreams, config.operationTimeoutMs, req, res),
    }),
    requestBodyErrors(config.limits.maxBodyBytes),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error) => reject(listenError(error, config.port, config.host)));
    httpServer.listen(config.port, config.host, () => resolve());
  }).catch(async (error: unknown) => {
    await apollo.stop().catch(() => {});
    return failedStart(error);
  });
  const { port } = httpServer.address() as AddressInfo;
  observability.readiness.markServing();
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    upstreams,
    observability,
    close: async () => {
      // Not ready first, so a load balancer stops sending work; SHUTDOWN_DELAY_MS gives it
      // time to notice before the listener closes and new connections are refused.
      observability.readiness.markStopping();
      stopping = true;
      if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
      // The drain plugin closes the listener and idle connections, and waits for the
      // requests in flight (cutting them after SHUTDOWN_GRACE_MS).
      await apollo.stop();
      await closeOpened();
    },
    onClose: (hook) => {
      closeHooks.push(hook);
    },
  };
}

/** An upstream's base URL as /readyz shows it: any user name or password in it removed. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href.replace(/\/$/, '');
}

/**
 * Why the listener could not open, naming the setting to change (a ConfigError, so main.ts
 * prints it without a stack). Other errors pass through unchanged.
 */
function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError([`PORT ${port} is already in use on HOST ${host}: stop whatever listens there, or set PORT to a free port (PORT=0 picks one).`]);
    case 'EACCES':
      return new ConfigError([`PORT ${port} needs privileges this process does not have: set PORT to 1024 or above.`]);
    case 'EADDRNOTAVAIL':
      return new ConfigError([`HOST ${host} is not an address of this machine: set HOST to one of its addresses, 0.0.0.0 (every IPv4 interface) or 127.0.0.1 (this machine only).`]);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new ConfigError([`HOST ${host} does not resolve to an address: set HOST to an IP address (e.g. 0.0.0.0 or 127.0.0.1) or a resolvable name of this machine.`]);
    default:
      return error;
  }
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** `GET /`: a page with no outside resources, pointing at whatever this gateway serves. */
function homePage({ explorer, landingPage, metrics }: { explorer: boolean; landingPage: boolean; metrics: boolean }): string {
  const links: Array<[string, string]> = [];
  if (explorer) links.push(['explorer/', 'Explorer: write and run queries (works offline)']);
  if (landingPage) links.push(['graphql', 'Apollo Sandbox (loads from Apollo\'s CDN)']);
  links.push(['readyz', 'Readiness, and the upstreams this gateway points at']);
  if (metrics) links.push(['metrics', 'Prometheus metrics']);
  const items = links.map(([href, label]) => `<li><a href="${href}">${escapeHtml(label)}</a></li>`).join('\n    ');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>GraphQL gateway</title></head>
<body>
  <h1>GraphQL gateway</h1>
  <p>The graph answers <code>POST /graphql</code> with a JSON body <code>{"query": "…", "variables": {…}}</code>.</p>
  <ul>
    ${items}
  </ul>
</body>
</html>
`;
}
