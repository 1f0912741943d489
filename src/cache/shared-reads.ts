import { setMaxListeners } from 'node:events';
import { untilAborted } from '../http/abort.js';

/** What the one shared call runs with: a signal that fires only when every waiter has gone, and the latest waiter's deadline. */
export interface SharedCallScope {
  readonly signal: AbortSignal;
  /** Epoch ms; grows as waiters with later deadlines join (the transport reads it before each retry). */
  deadline: number | undefined;
}

interface Flight {
  promise: Promise<unknown>;
  controller: AbortController;
  scope: SharedCallScope;
  waiters: number;
}

/**
 * Upstream reads in flight, shared by every operation that needs the same one at the same
 * time, cache on or off (issue 12). The key is the cache's: the credential's fingerprint and
 * the full URL, so callers with different credentials never share a call.
 *
 * - A waiter gives up alone: its own signal (deadline, client gone) rejects its wait only.
 *   The call itself is aborted when the last waiter has gone.
 * - A failure reaches only the waiters of that call; the entry is dropped as soon as the
 *   call settles, so the next read starts a new call and nothing failed is remembered.
 */
export class SharedReads {
  private readonly flights = new Map<string, Flight>();

  /** Reads in flight now (for tests and metrics). */
  get size(): number {
    return this.flights.size;
  }

  /**
   * `start`'s result, from a call already in flight under `key` when there is one. `signal`
   * and `deadline` are this waiter's own.
   */
  run<T>(key: string, signal: AbortSignal | undefined, deadline: number | undefined, start: (scope: SharedCallScope) => Promise<T>): Promise<T> {
    let flight = this.flights.get(key);
    if (flight) {
      if (flight.scope.deadline !== undefined) flight.scope.deadline = deadline === undefined ? undefined : Math.max(flight.scope.deadline, deadline);
    } else {
      const controller = new AbortController();
      // Every attempt of the call listens on it, as on an operation's own signal.
      setMaxListeners(0, controller.signal);
      const scope: SharedCallScope = { signal: controller.signal, deadline };
      const promise = Promise.resolve().then(() => start(scope));
      const created: Flight = { promise, controller, scope, waiters: 0 };
      flight = created;
      this.flights.set(key, created);
      const done = () => {
        if (this.flights.get(key) === created) this.flights.delete(key);
      };
      promise.then(done, done);
    }
    flight.waiters++;
    return this.wait(flight, signal) as Promise<T>;
  }

  private wait(flight: Flight, signal: AbortSignal | undefined): Promise<unknown> {
    return untilAborted(flight.promise, signal, { reason: () => signal?.reason, onAbort: () => this.leave(flight, signal?.reason) });
  }

  private leave(flight: Flight, reason: unknown): void {
    if (--flight.waiters === 0) flight.controller.abort(reason);
  }
}
