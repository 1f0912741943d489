import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Config } from './config.js';
import { explorer } from './explorer.js';
import { formatError } from './graph/format-error.js';
import type { GatewayContext } from './graph/context.js';
import { createLoaders } from './loaders/index.js';
import { logger } from './logger.js';
import { buildGatewaySchema } from './schema.js';
import { Upstreams, type UpstreamTargets } from './upstreams/index.js';

export interface GatewayOptions {
  config: Config;
  /** Resolved upstream locations and credentials (the real ones or the simulators'). */
  upstreams: UpstreamTargets;
  /** A schema built earlier, to share one between servers in one process (tests). */
  schema?: GraphQLSchema;
}

export interface RunningGateway {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  port: number;
  upstreams: Upstreams;
  /** Stops accepting, lets in-flight operations finish, then closes the upstream pools. */
  close(): Promise<void>;
}

export async function startGateway({ config, upstreams: targets, schema }: GatewayOptions): Promise<RunningGateway> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const upstreams = new Upstreams({ targets, authMode: config.authMode, resilience: config.resilience });

  const plugins: ApolloServerPlugin<GatewayContext>[] = [
    ApolloServerPluginDrainHttpServer({ httpServer }),
    config.landingPage ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }) : ApolloServerPluginLandingPageDisabled(),
  ];

  const apollo = new ApolloServer<GatewayContext>({
    schema: schema ?? buildGatewaySchema(),
    introspection: config.introspection,
    plugins,
    formatError: formatError(config.production),
    includeStacktraceInErrorResponses: !config.production,
    csrfPrevention: true,
    logger,
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  if (config.explorer) app.use('/explorer', explorer({ endpointUrl: '/graphql' }));

  app.use(
    '/graphql',
    cors(),
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
        res.setHeader('x-request-id', requestId);
        const upstreamCalls = new Map<string, number>();
        const clients = upstreams.clientsFor(
          {
            signal: AbortSignal.timeout(config.operationTimeoutMs),
            deadline: Date.now() + config.operationTimeoutMs,
            onCall: (upstream, route) => {
              const key = `${upstream} ${route}`;
              upstreamCalls.set(key, (upstreamCalls.get(key) ?? 0) + 1);
            },
          },
          req.headers,
        );
        return { requestId, upstreamCalls, loaders: createLoaders(clients.iqmetrix, clients.inspectorio) };
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  return {
    url: `http://${shownHost}:${port}/graphql`,
    port,
    upstreams,
    close: async () => {
      await apollo.stop();
      await upstreams.close();
    },
  };
}
