import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { IQMETRIX } from '../../src/upstreams/iqmetrix/definition.js';
import { INSPECTORIO } from '../../src/upstreams/inspectorio/definition.js';
import { SIM_INSPECTORIO_API_KEY, SIM_IQMETRIX_TOKEN } from '../../src/sim/index.js';
import { bearer, call } from './http.js';

describe('src/sim/cli.ts', () => {
  it('prints the URLs as one JSON line, serves, and exits cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/cli.ts', '--latency', '1', '--port-iqmetrix', '0', '--port-inspectorio', '0'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const urls = JSON.parse(line);
      expect(Object.keys(urls)).toEqual(['iqmetrixUrl', 'iqmetrixAccountsUrl', 'inspectorioUrl']);
      expect(urls.iqmetrixUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(urls.iqmetrixAccountsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/accounts\/v1$/);
      expect(urls.inspectorioUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      expect((await call(urls.iqmetrixUrl + IQMETRIX.routes.company.path(14146), { headers: bearer(SIM_IQMETRIX_TOKEN) })).status).toBe(200);
      expect((await call(urls.inspectorioUrl + INSPECTORIO.routes.contactRoles.path(), { headers: { apiKey: SIM_INSPECTORIO_API_KEY } })).status).toBe(200);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
