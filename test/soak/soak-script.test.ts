// `npm run soak` is a check, not only a load generator: its command line, its report and its exit status.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

async function soak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/soak.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('scripts/soak.ts', () => {
  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await soak(['--help']);
    expect(code).toBe(0);
    for (const option of ['--duration', '--concurrency', '--fault-rate', '--operation-timeout', '--hang-ms', '--cache']) expect(stdout).toContain(option);
  });

  it.each([[['--bogus']], [['--fault-rate', '2']], [['--duration', 'x']], [['--concurrency', '0']]])('refuses %j with the usage and exit 2', async (args) => {
    const { code, stderr } = await soak(args);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: npm run soak');
  });

  it('runs with the cache off, reports the slowest response next to p99 and the deadline check, and exits 0 when all holds', async () => {
    const { code, stdout, stderr } = await soak(['--duration', '1', '--concurrency', '2', '--fault-rate', '0', '--operation-timeout', '5000']);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ cache: false, operationTimeoutMs: 5000, invalidResponses: 0, unhandledRejectionsOrExceptions: 0 });
    expect(report.requests).toBeGreaterThan(0);
    expect(Object.keys(report.latencyMs)).toEqual(['p50', 'p95', 'p99', 'slowest']);
    expect(report.latencyMs.slowest).toBeGreaterThanOrEqual(report.latencyMs.p99);
    expect(report.slowest).toMatchObject({ ms: report.latencyMs.slowest, query: expect.any(String), status: 200 });
    expect(report.deadline).toEqual({ lateAfterMs: 6000, lateResponses: 0, examples: [] });
    expect(stderr).toMatch(/p99 [\d.]+ ms, slowest [\d.]+ ms \(limit 6000 ms\): all checks held/);
    expect(code).toBe(0);
  });
});
