import { createDataset, type SimDataset } from './dataset.js';
import { startInspectorioSim, type InspectorioSim, type InspectorioSimOptions } from './inspectorio.js';
import { startIqmetrixSim, type IqmetrixSim, type IqmetrixSimOptions } from './iqmetrix.js';

export { createDataset, ALL_PERMISSIONS, DEFAULT_SEED, type SimDataset, type SimFixtures } from './dataset.js';
export { createRng, mulberry32, type Rng } from './random.js';
export {
  SIM_PROXY_INTERNAL_ADDRESS,
  UNMATCHED_ROUTE,
  type FaultController,
  type FaultSpec,
  type FieldRewrite,
  type RequestLog,
  type RequestLogEntry,
} from './control.js';
export {
  SIM_IQMETRIX_OAUTH,
  SIM_IQMETRIX_TOKEN,
  IQMETRIX_SIM_ACCOUNTS_PATH,
  IQMETRIX_SIM_BASE_PATH,
  startIqmetrixSim,
  type IqmetrixOAuthOptions,
  type IqmetrixSim,
  type IqmetrixSimOptions,
  type IqmetrixTokenScope,
} from './iqmetrix.js';
export {
  SIM_INSPECTORIO_API_KEY,
  startInspectorioSim,
  type InspectorioKeyScope,
  type InspectorioSim,
  type InspectorioSimOptions,
} from './inspectorio.js';

export interface SimulatorsOptions {
  seed?: number;
  host?: string;
  iqmetrixPort?: number;
  inspectorioPort?: number;
  /** Base latency of both simulators (each can override it below). */
  latencyMs?: number;
  iqmetrix?: Partial<Omit<IqmetrixSimOptions, 'dataset'>>;
  inspectorio?: Partial<Omit<InspectorioSimOptions, 'dataset'>>;
}

export interface Simulators {
  dataset: SimDataset;
  iqmetrix: IqmetrixSim;
  inspectorio: InspectorioSim;
  close(): Promise<void>;
}

export async function startSimulators(opts: SimulatorsOptions = {}): Promise<Simulators> {
  const dataset = createDataset({ seed: opts.seed });
  const shared = { host: opts.host, latencyMs: opts.latencyMs };
  const iqmetrix = await startIqmetrixSim({ ...shared, port: opts.iqmetrixPort, ...opts.iqmetrix, dataset });
  let inspectorio: InspectorioSim;
  try {
    inspectorio = await startInspectorioSim({ ...shared, port: opts.inspectorioPort, ...opts.inspectorio, dataset });
  } catch (error) {
    await iqmetrix.close();
    throw error;
  }
  return {
    dataset,
    iqmetrix,
    inspectorio,
    close: async () => {
      await Promise.all([iqmetrix.close(), inspectorio.close()]);
    },
  };
}
