import { ConfigError, loadConfig } from './config.js';
import { startBanner } from './banner.js';
import { logger } from './logger.js';
import { startTracing } from './observability/tracing/sdk.js';
import { startGateway } from './server.js';
import type { UpstreamTargets } from './upstreams/index.js';

// `npm start` / `npm run start:prod`: serves the graph. On the embedded simulators (the
// default in development, SIMULATORS=true in production) it first starts them on free ports
// and points the gateway at them.

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  let targets: UpstreamTargets;
  let closeSimulators = async () => {};
  if (config.upstreams) {
    targets = config.upstreams;
  } else {
    const { startSimulators, SIM_IQMETRIX_TOKEN, SIM_INSPECTORIO_API_KEY } = await import('./sim/index.js');
    const sims = await startSimulators();
    closeSimulators = () => sims.close();
    targets = {
      iqmetrix: { url: sims.iqmetrix.url, token: SIM_IQMETRIX_TOKEN, maxInFlight: config.maxInFlight.iqmetrix },
      inspectorio: { url: sims.inspectorio.url, apiKey: SIM_INSPECTORIO_API_KEY, maxInFlight: config.maxInFlight.inspectorio },
    };
    logger.info({ iqmetrix: sims.iqmetrix.url, inspectorio: sims.inspectorio.url }, 'no upstream configured: running on the embedded simulators');
  }

  // Before the gateway, so that its tracer provider is the registered one.
  const tracing = await startTracing(config.tracing);
  if (tracing) logger.info({ exporter: config.tracing.exporter, serviceName: config.tracing.serviceName }, 'tracing on');
  let gateway;
  try {
    gateway = await startGateway({ config, upstreams: targets, tracerProvider: tracing?.provider, simulated: !config.upstreams });
  } catch (error) {
    // A port in use or a bad HOST: the message names the variable; no stack needed.
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      await closeSimulators();
      process.exit(2);
    }
    throw error;
  }
  // "GraphQL gateway ready at …" is what scripts and tests wait for: the banner's first line.
  process.stdout.write(await startBanner(config, gateway.url));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight operations');
    // The drain cuts connections after SHUTDOWN_GRACE_MS; should something after it hang
    // (a hook, an exporter), leave anyway rather than wait for the orchestrator's SIGKILL.
    setTimeout(() => {
      logger.error('shutdown took too long: exiting');
      process.exit(1);
    }, config.shutdownDelayMs + config.shutdownGraceMs + 5_000).unref();
    try {
      await gateway.close();
      await closeSimulators();
      // Last, so the spans of the final operations are flushed.
      await tracing?.shutdown();
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
    logger.info('shut down');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'gateway failed to start');
  process.exit(1);
});
