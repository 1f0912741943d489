import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import type { Operation } from './queries.js';

// Load generation. Measurement is autocannon (a fixed number of keep-alive connections, each
// sending its next request as soon as the last one is answered, cycling through the bodies);
// the warm-up is a plain client that parses and checks every single answer.

export interface LatencySummary {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  /** Requests written to the gateway (the divisor of upstream requests per operation). */
  sent: number;
  /** Responses received: all of the requests sent, unless some failed or the run was aborted. */
  completed: number;
  /** The measured span: the duration of a timed run, else the time to the last response. */
  seconds: number;
  /** Responses per second within `seconds`. */
  rps: number;
  /** From the start to the last response (a timed run's drain included). */
  wallSeconds: number;
  latencyMs: LatencySummary;
  errors: { connection: number; timeouts: number; non2xx: number; graphqlErrors: number };
  stoppedEarly: boolean;
}

export interface LoadOptions {
  url: string;
  connections: number;
  operations: Operation[];
  /** Seconds to run; ignored when `amount` is given. */
  durationSeconds?: number;
  /** Stop after this many responses. */
  amount?: number;
  /** Aborts the run (it then resolves with what it measured). */
  signal?: AbortSignal | undefined;
  /** Called about once a second with responses so far. */
  onTick?: (completed: number) => void;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : NaN;
  return { mean, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

// A GraphQL answer without errors starts with `{"data":` and has no top-level `errors` key.
// Checking the text is enough here (the warm-up parsed and checked every answer in full), and
// costs the load generator next to nothing, so it can run on every measured response.
const looksClean = (body: string | Buffer | undefined) => {
  const text = typeof body === 'string' ? body : (body?.toString('utf8') ?? '');
  return text.startsWith('{"data":') && !text.includes('"errors":[');
};

/** The parts of autocannon's per-connection client that a draining stop needs (not in its types). */
interface DrainableClient {
  reqsMade: number;
  responseMax: number | undefined;
}

/**
 * Runs autocannon. A timed run ends by draining: at the deadline each connection finishes the
 * request it has in flight and sends no more (autocannon's own timed stop drops in-flight
 * requests, whose operations the gateway may have half done or abandoned, which would blur
 * upstream requests per operation). So requests sent = responses received, and `rps` counts the
 * responses that arrived before the deadline.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const clients: DrainableClient[] = [];
  let graphqlErrors = 0;
  let completedAtDeadline: number | undefined;
  const timed = options.amount === undefined;
  const durationSeconds = options.durationSeconds ?? 10;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    // autocannon reports up to a second after the last answer (it checks for the end once per
    // sample interval), so the span of the load ends at the last response, not at the report.
    let lastResponse = started;
    let stoppedEarly = false;
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: options.operations.map((op) => ({ method: 'POST', body: op.body })),
        connections: options.connections,
        pipelining: 1,
        timeout: 30,
        // A timed run is stopped by the drain below; autocannon's own limit is only a backstop.
        ...(timed ? { duration: durationSeconds + 120 } : { amount: options.amount }),
        setupClient: (client) => {
          clients.push(client as unknown as DrainableClient);
        },
        verifyBody: (body) => {
          const clean = looksClean(body);
          if (!clean) graphqlErrors++;
          return clean;
        },
      },
      (error, result) => {
        options.signal?.removeEventListener('abort', onAbort);
        clearInterval(ticker);
        clearTimeout(deadline);
        if (error) return reject(error);
        const seconds = Number(lastResponse - started) / 1e9;
        const measuredSeconds = timed && completedAtDeadline !== undefined ? durationSeconds : seconds;
        const counted = timed && completedAtDeadline !== undefined ? completedAtDeadline : latencies.length;
        resolve({
          sent: result.requests.sent,
          completed: latencies.length,
          seconds: measuredSeconds,
          rps: counted / measuredSeconds,
          wallSeconds: seconds,
          latencyMs: summarize(latencies),
          errors: { connection: result.errors - result.timeouts, timeouts: result.timeouts, non2xx: result.non2xx, graphqlErrors },
          stoppedEarly,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponse = process.hrtime.bigint();
    });
    const ticker = setInterval(() => options.onTick?.(latencies.length), 1000);
    // After `reqsMade` requests a client ends itself once its last answer is in.
    const deadline = timed
      ? setTimeout(() => {
          completedAtDeadline = latencies.length;
          for (const client of clients) client.responseMax = Math.max(1, client.reqsMade);
        }, durationSeconds * 1000)
      : undefined;
    const onAbort = () => {
      stoppedEarly = true;
      instance.stop();
    };
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WarmupResult {
  requests: number;
  failures: string[];
}

/**
 * Sends `count` requests (cycling through the operations) with `concurrency` in flight and
 * checks every answer in full: HTTP 200, JSON, no `errors`, and the operation's own check.
 */
export async function warmUp(url: string, operations: Operation[], count: number, concurrency: number, signal?: AbortSignal): Promise<WarmupResult> {
  const dispatcher = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count && !signal?.aborted) {
      const op = operations[next++ % operations.length]!;
      try {
        const { status, json } = await postJson(url, op.body, dispatcher);
        const problem =
          status !== 200
            ? `HTTP ${status}`
            : json?.errors
              ? `errors: ${JSON.stringify(json.errors).slice(0, 300)}`
              : json?.data == null
                ? 'no data'
                : op.check(json.data);
        if (problem) failures.push(`${op.label}: ${problem}`);
      } catch (error) {
        failures.push(`${op.label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await dispatcher.close();
  }
  return { requests: Math.min(next, count), failures };
}

export async function postJson(url: string, body: string, dispatcher?: Agent): Promise<{ status: number; json: any }> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const text = await response.body.text();
  try {
    return { status: response.statusCode, json: JSON.parse(text) };
  } catch {
    throw new Error(`HTTP ${response.statusCode}, not JSON: ${text.slice(0, 200)}`);
  }
}
