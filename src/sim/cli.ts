import { parseArgs } from 'node:util';
import { startSimulators } from './index.js';

const USAGE = `usage: tsx src/sim/cli.ts [--seed N] [--host H] [--latency MS] [--port-iqmetrix P] [--port-inspectorio P]
                        [--rate-limit N] [--rate-window SECONDS] [--bare-array]
Prints {"iqmetrixUrl","iqmetrixAccountsUrl","inspectorioUrl"} as one JSON line, then serves until SIGTERM/SIGINT.
Each simulator's origin also serves its controls: POST /__sim/faults {"route","spec"}, DELETE /__sim/faults[?route=],
GET /__sim/requests, POST /__sim/requests/reset (fault specs: src/sim/README.md).`;

const OPTIONS = {
  seed: { type: 'string' },
  host: { type: 'string' },
  latency: { type: 'string' },
  'port-iqmetrix': { type: 'string' },
  'port-inspectorio': { type: 'string' },
  'rate-limit': { type: 'string' },
  'rate-window': { type: 'string' },
  'bare-array': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function integer(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) usageError(`--${name} must be a non-negative integer`);
  return Number(raw);
}

function parseCommandLine() {
  try {
    return parseArgs({ options: OPTIONS, strict: true }).values;
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
}

const values = parseCommandLine();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const rateLimit = integer('rate-limit', values['rate-limit']);
const sims = await startSimulators({
  seed: integer('seed', values.seed),
  host: values.host,
  latencyMs: integer('latency', values.latency),
  iqmetrixPort: integer('port-iqmetrix', values['port-iqmetrix']),
  inspectorioPort: integer('port-inspectorio', values['port-inspectorio']),
  iqmetrix: {
    bareArray: values['bare-array'] ?? false,
    ...(rateLimit !== undefined ? { rateLimit: { limit: rateLimit, windowSeconds: integer('rate-window', values['rate-window']) ?? 60 } } : {}),
  },
});

process.stdout.write(
  `${JSON.stringify({ iqmetrixUrl: sims.iqmetrix.url, iqmetrixAccountsUrl: sims.iqmetrix.accountsUrl, inspectorioUrl: sims.inspectorio.url })}\n`,
);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sims.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`error while closing simulators: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
