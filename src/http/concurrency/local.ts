import { NoSlotError, abortCause, type Release } from './types.js';

interface Waiter {
  grant(release: Release): void;
}

/**
 * Permits of one process, handed out first come, first served, with a limit that can change
 * while permits are out (the shared caps switch between the whole cap and this replica's
 * share). Lowering the limit takes nothing back: permits out beyond it simply are not
 * replaced until the count is under the new limit.
 *
 * Our own rather than a library's: the semaphores at hand (p-limit, cockatiel's bulkhead)
 * have a fixed limit and no per-wait deadline, and this is the whole of it.
 */
export class LocalSemaphore {
  private held = 0;
  private readonly queue: Waiter[] = [];

  constructor(
    private limitValue: number,
    /** Names the cap in NoSlotError messages, e.g. `inspectorio`. */
    private readonly label: string,
  ) {
    if (!Number.isInteger(limitValue) || limitValue < 1) throw new RangeError(`limit must be a whole number ≥ 1 (got ${limitValue})`);
  }

  get limit(): number {
    return this.limitValue;
  }

  /** Permits out now. */
  get inUse(): number {
    return this.held;
  }

  /** Callers waiting for a permit now. */
  get waiting(): number {
    return this.queue.length;
  }

  setLimit(limit: number): void {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number ≥ 1 (got ${limit})`);
    this.limitValue = limit;
    this.pump();
  }

  /**
   * Resolves with a release function once a permit is free. Rejects with NoSlotError when
   * `signal` aborts or `deadline` (epoch ms) passes first; a permit is never granted after
   * either. The release function is idempotent.
   */
  acquire(signal?: AbortSignal, deadline?: number): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new NoSlotError(this.label, abortCause(signal, deadline), this.limitValue));
    if (deadline !== undefined && deadline <= Date.now()) return Promise.reject(new NoSlotError(this.label, 'deadline', this.limitValue));
    if (this.held < this.limitValue && this.queue.length === 0) return Promise.resolve(this.grant());
    return new Promise<Release>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const giveUp = (reason: 'aborted' | 'deadline') => {
        const index = this.queue.indexOf(waiter);
        if (index === -1) return;
        this.queue.splice(index, 1);
        cleanup();
        reject(new NoSlotError(this.label, reason, this.limitValue));
      };
      const onAbort = () => giveUp(abortCause(signal!, deadline));
      const waiter: Waiter = {
        grant: (release) => {
          cleanup();
          resolve(release);
        },
      };
      this.queue.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (deadline !== undefined) {
        timer = setTimeout(() => giveUp('deadline'), Math.max(0, deadline - Date.now()));
        // A waiter alone must not keep the process alive; its caller's own work does that.
        timer.unref();
      }
    });
  }

  private grant(): Release {
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      this.pump();
    };
  }

  private pump(): void {
    while (this.held < this.limitValue && this.queue.length > 0) this.queue.shift()!.grant(this.grant());
  }
}
