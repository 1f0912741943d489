// `npm run test:quick`: the in-process tests of the graph, its limits, config and simulators,
// for everyday use (under 30 s). Left out: tests that spawn gateway processes, drive a browser,
// need Redis or HAProxy, or wait on timers (`npm test` runs everything).
import base from './jest.config.js';

/** @type {import('jest').Config} */
export default {
  ...base,
  testMatch: [
    '<rootDir>/test/config.test.ts',
    '<rootDir>/test/graph/**/*.test.ts',
    '<rootDir>/test/limits/{config,cost,limits,shape}.test.ts',
    '<rootDir>/test/e2e/{bad-input,batching,graph-fields,node,paging}.test.ts',
    '<rootDir>/test/sim/{dataset,inspectorio,iqmetrix}.test.ts',
    '<rootDir>/test/cache/cache.test.ts',
    '<rootDir>/test/production/http.test.ts',
  ],
};
