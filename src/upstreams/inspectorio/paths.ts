// The path builders live in the route table (./definition.ts); re-exported for the simulator's tests.
export { INSPECTORIO_MAX_EXTERNAL_IDS, INSPECTORIO_MAX_IN_FLIGHT, INSPECTORIO_MAX_LIMIT, inspectorioPaths } from './definition.js';
