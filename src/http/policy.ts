import type { InFlightLimiter } from './concurrency/types.js';

// What the generic transport asks of the layer above it, per request. The route table of
// each upstream (src/upstreams/<name>/definition.ts) answers; the environment's settings
// (UPSTREAM_*) are the defaults wherever it answers nothing.

/**
 * One request's overrides of the transport's settings. Every field is optional: absent means
 * the upstream's setting (from the environment). Shaped like Hive Gateway's
 * `useUpstreamRetry`/`useUpstreamTimeout` options: a route gives a value, or a function of
 * the request that returns one (see PolicySource).
 */
export interface RequestPolicy {
  /**
   * Time to the response headers, per attempt, in ms. undici checks it on a coarse clock
   * (about every 500 ms), so a value under a second fires up to half a second late.
   */
  headersTimeoutMs?: number;
  /** Longest silence while the body streams, per attempt, in ms. */
  bodyTimeoutMs?: number;
  /** Retries of this (idempotent) request at most; 0 turns retrying off for it. */
  maxRetries?: number;
  /** First backoff delay, in ms. */
  retryBaseDelayMs?: number;
  /** Longest backoff delay, and longest wait an upstream may ask for, in ms. */
  retryMaxDelayMs?: number;
  /**
   * Share of the upstream's in-flight cap this route may hold at once, in (0, 1]: e.g. 0.25
   * of 32 connections lets the route have 8 requests in flight, so a slow route cannot take
   * every connection from the others. Absent: the whole cap.
   */
  inFlightShare?: number;
}

/** A policy as a value, or as a function of the request (its route, path, method, headers). */
export type PolicySource<Request> = RequestPolicy | ((request: Request) => RequestPolicy | undefined);

/** A circuit breaker's settings (see TransportSettings for each one's meaning). */
export interface BreakerSettings {
  breakerThreshold: number;
  breakerWindowMs: number;
  breakerMinCalls: number;
  breakerHalfOpenAfterMs: number;
}

/** Answers from above the transport; every member is optional. */
export interface TransportHooks<Request, Response> {
  /** This request's overrides of the settings; undefined: the settings as they are. */
  policy?(request: Request): RequestPolicy | undefined;
  /**
   * A route with a circuit of its own: its breaker settings (over the upstream's). Asked once
   * per route name. Undefined: the route shares the upstream's circuit.
   */
  breaker?(route: string): Partial<BreakerSettings> | undefined;
  /**
   * An upstream's own way of asking for a wait before a retry, beyond the standard
   * `Retry-After` (which the transport reads itself). In ms; undefined or 0: none.
   */
  retryDelayMs?(response: Response): number | undefined;
  /**
   * The upstream's in-flight cap. Default: the keep-alive pool's own connection limit
   * (`maxInFlight` connections, the rest queued). A limiter shared by replicas plugs in here.
   */
  limiter?: InFlightLimiter;
  /**
   * Configured credentials (tokens, API keys, client secrets, passwords): never written to a
   * log, even when an upstream's error body echoes one (see UpstreamTransport.reportErrorBody).
   */
  secrets?: readonly string[];
  /** The upstream's own credential header names, lower case (e.g. `apikey`): their values are redacted like `secrets`. */
  credentialHeaders?: readonly string[];
}

/** Evaluates a PolicySource for one request. */
export function resolvePolicy<Request>(source: PolicySource<Request> | undefined, request: Request): RequestPolicy | undefined {
  return typeof source === 'function' ? source(request) : source;
}

/** Checks a policy's numbers, naming the route and field; a bad one is a programming error. */
export function checkPolicy(where: string, policy: RequestPolicy | undefined): RequestPolicy | undefined {
  if (!policy) return policy;
  const whole = (name: keyof RequestPolicy, min: number) => {
    const value = policy[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) throw new RangeError(`${where}: ${name} must be a whole number ≥ ${min} (got ${value})`);
  };
  whole('headersTimeoutMs', 1);
  whole('bodyTimeoutMs', 1);
  whole('maxRetries', 0);
  whole('retryBaseDelayMs', 1);
  whole('retryMaxDelayMs', 1);
  const share = policy.inFlightShare;
  if (share !== undefined && !(share > 0 && share <= 1)) throw new RangeError(`${where}: inFlightShare must be in (0, 1] (got ${share})`);
  return policy;
}

/**
 * Checks a route's circuit settings where the route table is written, with the ranges
 * UPSTREAM_BREAKER_* accept (src/config.ts): a threshold outside (0, 1) would otherwise throw
 * inside cockatiel at the route's first call and fail it as an internal error.
 */
export function checkBreaker(where: string, breaker: Partial<BreakerSettings> | undefined): Partial<BreakerSettings> | undefined {
  if (!breaker) return breaker;
  const threshold = breaker.breakerThreshold;
  if (threshold !== undefined && !(threshold >= 0.01 && threshold <= 0.99)) throw new RangeError(`${where}: breakerThreshold must be a number from 0.01 to 0.99 (got ${threshold})`);
  const whole = (name: Exclude<keyof BreakerSettings, 'breakerThreshold'>, min: number, max: number) => {
    const value = breaker[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) throw new RangeError(`${where}: ${name} must be a whole number from ${min} to ${max} (got ${value})`);
  };
  whole('breakerWindowMs', 1_000, 600_000);
  whole('breakerMinCalls', 1, 100_000);
  whole('breakerHalfOpenAfterMs', 1, 600_000);
  return breaker;
}
