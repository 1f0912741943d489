/** Gives a slot back. Idempotent: a second call does nothing. */
export type Release = () => void;

/** Where a limiter keeps its cap right now. */
export type CapMode =
  /** In Redis: the cap holds across all replicas together. */
  | 'shared'
  /** In this process: Redis is unset, down or not answering, so this replica keeps to its share. */
  | 'local';

/**
 * The cap on requests in flight to one upstream: every HTTP attempt holds one slot while it
 * runs. The transport calls `acquire` before each attempt and the release function once the
 * attempt has ended (response read, or failed).
 */
export interface InFlightLimiter {
  /**
   * Resolves once a slot is held. Rejects with NoSlotError (named `TimeoutError` or
   * `AbortError`) when `deadline` (epoch ms) passes or `signal` aborts before a slot is
   * free: waiting never outlives the operation.
   */
  acquire(signal: AbortSignal | undefined, deadline: number | undefined): Promise<Release>;
  /** Where the cap is kept right now. */
  readonly mode: CapMode;
  /** Slots this process may hold right now: the whole cap when shared, its share when local. */
  readonly limit: number;
}

/**
 * No slot came free before the operation's deadline (`deadline`), or the operation was given
 * up while it waited (`aborted`). Nothing was sent upstream.
 *
 * Named `TimeoutError` / `AbortError`, as the signal's own reasons are, so the transport
 * counts it as the operation's doing and never against the upstream's circuit breaker.
 */
export class NoSlotError extends Error {
  constructor(
    readonly upstream: string,
    readonly reason: 'deadline' | 'aborted',
    readonly limit: number,
  ) {
    super(
      reason === 'deadline'
        ? `no free slot among the ${limit} requests allowed in flight to ${upstream} before the operation's deadline`
        : `the operation was given up while it waited for one of the ${limit} slots allowed in flight to ${upstream}`,
    );
    this.name = reason === 'deadline' ? 'TimeoutError' : 'AbortError';
  }
}

/**
 * Why a wait ended on its signal: the operation's deadline when the signal says so (a
 * `TimeoutError`, as AbortSignal.timeout gives) or the deadline has come; else the operation
 * was given up (the client went away).
 */
export function abortCause(signal: AbortSignal, deadline: number | undefined): 'deadline' | 'aborted' {
  const reason = signal.reason as { name?: unknown } | undefined;
  return reason?.name === 'TimeoutError' || (deadline !== undefined && Date.now() >= deadline) ? 'deadline' : 'aborted';
}
