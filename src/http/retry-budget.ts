/**
 * Caps retries at a share of recent traffic, so that an upstream in trouble sees at most
 * (1 + ratio) times its normal load from us instead of (1 + maxRetries) times: retries
 * help with a blip and must not turn an outage into a retry storm.
 *
 * Counts live in one-second buckets over a sliding window. A floor of `minPerSecond`
 * keeps retries possible when traffic is light (one failed call among few still retries).
 */
export class RetryBudget {
  private readonly requests: number[];
  private readonly retries: number[];
  private bucketSecond = 0;

  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
    private readonly windowSeconds = 10,
    private readonly now: () => number = Date.now,
  ) {
    this.requests = new Array<number>(windowSeconds).fill(0);
    this.retries = new Array<number>(windowSeconds).fill(0);
  }

  /** Every first attempt counts as traffic. */
  recordRequest(): void {
    this.requests[this.advance()]! += 1;
  }

  /** Takes a retry from the budget if one is left. */
  tryRetry(): boolean {
    const slot = this.advance();
    const requests = this.requests.reduce((a, b) => a + b, 0);
    const retries = this.retries.reduce((a, b) => a + b, 0);
    if (retries >= Math.max(this.minPerSecond * this.windowSeconds, requests * this.ratio)) return false;
    this.retries[slot]! += 1;
    return true;
  }

  /** Moves the window to the current second, clearing the buckets it passed. */
  private advance(): number {
    const second = Math.floor(this.now() / 1000);
    const steps = Math.min(second - this.bucketSecond, this.windowSeconds);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.bucketSecond + i) % this.windowSeconds;
      this.requests[slot] = 0;
      this.retries[slot] = 0;
    }
    if (steps > 0 || this.bucketSecond === 0) this.bucketSecond = second;
    return second % this.windowSeconds;
  }
}
