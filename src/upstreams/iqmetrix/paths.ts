// The path builders live in the route table (./definition.ts); re-exported for the simulator's tests.
export { IQMETRIX_MAX_TOP, iqmetrixPaths } from './definition.js';
