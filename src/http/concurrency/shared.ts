import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Semaphore as RedisSemaphore } from 'redis-semaphore';
import { logger as processLogger } from '../../logger.js';
import { LocalSemaphore } from './local.js';
import { NoSlotError, abortCause, type CapMode, type InFlightLimiter, type Release } from './types.js';

// Per-upstream in-flight caps that hold across every replica together, kept in Redis.
//
// Each HTTP attempt holds one slot of a redis-semaphore Semaphore (a sorted set of holders
// scored by when they last renewed). A slot is a lease: it lapses `leaseMs` after its last
// renewal, so the slots of a replica that crashed, or lost its network, come back by
// themselves. A heartbeat renews this process's slots every third of the lease or every
// second, whichever is sooner (at least 50 ms apart).
//
// Redis is an aid, never a dependency: every command has a short timeout of its own, and
// when Redis is down or stops answering, each replica keeps to its share of the cap (cap ÷
// replicas, at least 1) in process, until a heartbeat gets through again. A refused or
// closed connection switches at once. A Redis that stops answering holds the calls that
// meet it for at most 4 × `redisTimeoutMs` (acquireSlot says why); after the switch no call
// waits on Redis.

export interface SharedCapSettings {
  /** redis:// or rediss:// URL of the Redis every replica shares. */
  redisUrl: string;
  /** Prefix of every key, so that deployments can share one Redis (CACHE_KEY_PREFIX). */
  keyPrefix: string;
  /**
   * Replicas the cap is divided among while Redis is unreachable, at least
   * (IN_FLIGHT_EXPECTED_REPLICAS). When Redis has shown more replicas alive, the larger count is used.
   */
  expectedReplicas: number;
  /** How long a slot outlives its holder's last renewal, in ms (IN_FLIGHT_LEASE_MS). */
  leaseMs: number;
  /** Longest wait for any one Redis command, in ms; a longer one counts as Redis not answering (IN_FLIGHT_REDIS_TIMEOUT_MS). */
  redisTimeoutMs: number;
}

/** While every slot is taken, a replica asks Redis again about this often per upstream (each of its HEADS every HEADS × this). */
const RETRY_INTERVAL_MS = 5;
/**
 * Calls of one replica that ask Redis while every slot is taken; the rest queue in process.
 * More than one, so that slots this replica gives back pass to its waiting calls side by side,
 * not one Redis round trip after the other.
 */
const HEADS = 4;

/** How often the stall watch looks at the event loop, in ms. */
const STALL_PROBE_MS = 20;
/**
 * Redis failures in a row that a stall of this process may excuse; the next one counts
 * whatever the event loop did, so a process that never stops stalling still falls back.
 */
const MAX_STALL_EXCUSES = 8;

/**
 * When this process's event loop last stood still. A timer that fires late by `thresholdMs`
 * or more means nothing ran here for that long: no Redis reply was read either, even one
 * that had arrived in time.
 */
class StallWatch {
  private lastStallAt = -Infinity;
  private lastStallMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly thresholdMs: number) {
    let expected = performance.now() + STALL_PROBE_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = now - expected;
      expected = now + STALL_PROBE_MS;
      if (late >= this.thresholdMs) {
        this.lastStallAt = now;
        this.lastStallMs = Math.round(late);
      }
    }, STALL_PROBE_MS);
    this.timer.unref();
  }

  /** The length in ms of the last stall if one ended at or after `since` (a performance.now() time), else 0. */
  stalledSince(since: number): number {
    return this.lastStallAt >= since ? this.lastStallMs : 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

interface Lease {
  key: string;
  limit: number;
  identifier: string;
}

/**
 * One per process: the Redis connection, the heartbeat and the state (shared or local) of
 * every limiter it made. `limiter()` gives the cap of one upstream.
 */
export class SharedCaps {
  private readonly client: Redis;
  private readonly limiters: SharedInFlightLimiter[] = [];
  private readonly leases = new Set<Lease>();
  private readonly replicaId = randomUUID();
  private readonly replicasKey: string;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private healthy = false;
  private beating: Promise<void> | undefined;
  private replicasSeen = 0;
  private closed = false;
  private lostLeases = 0;
  /** A slot try failed but Redis then answered a heartbeat: the next failure falls back at once. */
  private suspect = false;
  private readonly stalls: StallWatch;
  /** Redis failures in a row put down to a stall of this process (at most MAX_STALL_EXCUSES). */
  private stallExcuses = 0;

  constructor(
    readonly settings: SharedCapSettings,
    private readonly log: Logger = processLogger,
  ) {
    this.replicasKey = `${settings.keyPrefix}:inflight:replicas`;
    // A stall of half the timeout leaves Redis less than the other half to answer in.
    this.stalls = new StallWatch(Math.max(10, settings.redisTimeoutMs / 2));
    this.client = new Redis(settings.redisUrl, {
      // A Redis that accepts connections but never answers must not hold anything up.
      commandTimeout: settings.redisTimeoutMs,
      connectTimeout: Math.max(1_000, settings.redisTimeoutMs),
      // A socket that will not end politely is cut after this long on close (ioredis waits 2 s).
      disconnectTimeout: settings.redisTimeoutMs,
      // Fail at once while disconnected instead of queueing; the heartbeat finds out when it is back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => Math.min(100 * 2 ** times, 2_000),
      lazyConnect: false,
    });
    // Reported through markDown (one line per outage); ioredis would otherwise print every reconnect failure.
    this.client.on('error', () => {});
    this.client.on('ready', () => void this.heartbeat());
    this.client.on('close', () => this.markDown(new Error('connection closed')));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(50, Math.floor(Math.min(settings.leaseMs / 3, 1_000))));
    this.heartbeatTimer.unref();
  }

  /** True while the caps are kept in Redis, across replicas. */
  get isShared(): boolean {
    return this.healthy;
  }

  /** Replicas the cap is divided among when it is kept locally. */
  get replicas(): number {
    return Math.max(this.settings.expectedReplicas, this.replicasSeen);
  }

  /** This replica's share of `cap` while Redis is unreachable: cap ÷ replicas, at least 1. */
  share(cap: number): number {
    return Math.max(1, Math.floor(cap / this.replicas));
  }

  /**
   * The cap of one upstream. `scope` tells apart the same upstream at different places (its
   * base URL): the cap belongs to that API, so replicas pointed at it share one key.
   */
  limiter(upstream: string, scope: string, cap: number): SharedInFlightLimiter {
    const key = `${this.settings.keyPrefix}:inflight:${upstream}:${keyScope(scope)}`;
    const limiter = new SharedInFlightLimiter(this, upstream, key, cap);
    this.limiters.push(limiter);
    return limiter;
  }

  /** The limiters made so far (for the mode gauges, see metrics.ts). */
  get madeLimiters(): readonly SharedInFlightLimiter[] {
    return this.limiters;
  }

  /**
   * One try for a slot in Redis. Resolves with its release; with `full` when every slot is
   * taken; with `unavailable` when Redis failed or did not answer in time (the caps are then
   * local); with `retry` when it failed once but answers a PING. Rejects with NoSlotError
   * when the deadline passes or the signal aborts first.
   *
   * Time a Redis that stops answering can cost a call, each step bounded by `redisTimeoutMs`
   * (T): this try (T), then up to two PINGs (2 T) to tell an outage from a stall of this
   * process; if one answers, the caller's one more try (T), whose failure switches at once.
   * So at most 4 × T before the call goes on under this replica's share, plus the stalls of
   * this process that excused a failure (ownStall), at most MAX_STALL_EXCUSES in a row.
   */
  async acquireSlot(
    upstream: string,
    key: string,
    limit: number,
    signal: AbortSignal | undefined,
    deadline: number | undefined,
  ): Promise<Release | 'full' | 'unavailable' | 'retry'> {
    const began = performance.now();
    const timeLeft = deadline === undefined ? Infinity : deadline - Date.now();
    if (signal?.aborted) throw new NoSlotError(upstream, abortCause(signal, deadline), limit);
    if (timeLeft <= 0) throw new NoSlotError(upstream, 'deadline', limit);

    const semaphore = new RedisSemaphore(this.client, key, limit, {
      lockTimeout: this.settings.leaseMs,
      acquireTimeout: timeLeft,
      // The waiting between tries is the limiter's (SharedInFlightLimiter.redisSlot), which a
      // slot given back in this process cuts short.
      acquireAttemptsLimit: 1,
      // The heartbeat renews every lease at once; the library's own timer per lock would
      // turn a failed renewal into an unhandled rejection.
      refreshInterval: 0,
    });
    // The try itself is bounded by the command timeout; this answers at once at the deadline
    // or when the operation is given up.
    const stop = new AbortController();
    const onAbort = () => stop.abort(new NoSlotError(upstream, abortCause(signal!, deadline), limit));
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = Number.isFinite(timeLeft) ? setTimeout(() => stop.abort(new NoSlotError(upstream, 'deadline', limit)), timeLeft) : undefined;
    timer?.unref();
    // The library may send two commands (EVALSHA, then EVAL on NOSCRIPT), each with the
    // command timeout: the try as a whole gets one.
    const redisTimer = setTimeout(() => stop.abort(new Error(`Redis did not answer a slot try within ${this.settings.redisTimeoutMs} ms`)), this.settings.redisTimeoutMs);
    redisTimer.unref();
    let gaveUp = false;
    const attempt = semaphore.tryAcquire(stop.signal);
    try {
      const acquired = await Promise.race([
        attempt,
        new Promise<never>((_, reject) => stop.signal.addEventListener('abort', () => reject(stop.signal.reason as Error), { once: true })),
      ]);
      this.suspect = false;
      this.stallExcuses = 0;
      if (!acquired) return 'full';
      const lease: Lease = { key, limit, identifier: semaphore.identifier };
      this.leases.add(lease);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        this.leases.delete(lease);
        // Not awaited: the caller's work is done. Should Redis miss it, the lease lapses.
        semaphore.release().catch(() => {});
      };
    } catch (error) {
      gaveUp = true;
      if (error instanceof NoSlotError) throw error;
      // The timeout fired while this process stood still: it says nothing about Redis.
      if (await this.ownStall(began)) return 'retry';
      // One late answer is not an outage: an event loop that stalled past the timeout on a
      // busy machine looks just the same. PINGs decide, once per run of failures; falling
      // back for nothing would let this replica's share run on top of the shared cap.
      if (this.suspect || !(await this.answersPing())) {
        this.markDown(error, this.stalls.stalledSince(began));
        return 'unavailable';
      }
      this.suspect = true;
      return 'retry';
    } finally {
      clearTimeout(timer);
      clearTimeout(redisTimer);
      signal?.removeEventListener('abort', onAbort);
      if (gaveUp) {
        // A try that timed out on our side may still land in Redis once it answers. Its
        // removal, sent on the same connection, lands after it; a slot won after we left is
        // given back. (A `full` answer skips this: that try landed and took nothing.)
        attempt.then((won) => (won ? semaphore.release() : undefined)).catch(() => {});
        this.client.zrem(`semaphore:${key}`, semaphore.identifier).catch(() => {});
      }
    }
  }

  /**
   * Whether a Redis failure since `since` (a performance.now() time) is down to this process
   * having stood still rather than to Redis, and may be excused (at most MAX_STALL_EXCUSES in
   * a row). On a loaded machine a process can be off the CPU for longer than the timeout;
   * when it runs again, Node fires the expired timers before it reads the sockets, so the
   * timeout wins even over a reply that came back in a millisecond. Falling back then would
   * let this replica's share run on top of the shared cap. Waits one turn of the event loop
   * first, so that replies already received are read and the watch has seen the stall.
   */
  private async ownStall(since: number): Promise<boolean> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.closed || this.client.status !== 'ready' || this.stalls.stalledSince(since) === 0) return false;
    if (this.stallExcuses >= MAX_STALL_EXCUSES) return false;
    this.stallExcuses++;
    this.log.debug({ stalledMs: this.stalls.stalledSince(since), excuses: this.stallExcuses }, 'in-flight caps: a Redis timeout put down to a stall of this process, not counted');
    return true;
  }

  /** Redis failed or did not answer: each replica keeps to its share until a heartbeat gets through. */
  markDown(error: unknown, stalledMs = 0): void {
    if (!this.healthy) return;
    this.healthy = false;
    if (!this.closed) {
      this.log.warn(
        // stalledMs: the longest recent stall of this process's event loop, when one overlapped the failure.
        { err: error, replicas: this.replicas, ...(stalledMs > 0 ? { stalledMs } : {}) },
        'in-flight caps: Redis unavailable, each replica keeps to its share of the caps until it answers again',
      );
    }
    for (const limiter of this.limiters) limiter.applyMode();
  }

  private markUp(): void {
    if (this.healthy || this.closed) return;
    this.healthy = true;
    this.log.info({ replicas: this.replicas }, 'in-flight caps: shared across replicas through Redis');
    for (const limiter of this.limiters) limiter.applyMode();
  }

  /** Says this replica is alive, counts the replicas, renews every lease; its success or failure decides the mode. */
  private heartbeat(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.beating ??= this.beat().finally(() => (this.beating = undefined));
    return this.beating;
  }

  /**
   * Whether Redis answers a PING now, within the command timeout, asked twice: on a loaded
   * machine one stall can outlast both the slot try and the first PING (the rolling-restart
   * test saw a replica fall back for nothing with one). Not the heartbeat: that is several
   * commands, retried, and may be mid-run; a call waits on this.
   */
  private async answersPing(): Promise<boolean> {
    for (let attempt = 0; attempt < 2; ) {
      if (this.client.status !== 'ready' || this.closed) return false;
      const began = performance.now();
      try {
        await this.client.ping();
        return true;
      } catch {
        // Asked once more, then Redis counts as not answering; a PING this process's own
        // stall timed out is asked again without counting.
        if (!(await this.ownStall(began))) attempt++;
      }
    }
    return false;
  }

  private async beat(retried = false): Promise<void> {
    if (this.client.status !== 'ready') return;
    const began = performance.now();
    try {
      const now = Date.now();
      const results = await this.client
        .multi()
        .zadd(this.replicasKey, now, this.replicaId)
        .zremrangebyscore(this.replicasKey, '-inf', now - this.settings.leaseMs)
        .zcard(this.replicasKey)
        .pexpire(this.replicasKey, this.settings.leaseMs * 2)
        .exec();
      const count = Number(results?.[2]?.[1]);
      if (Number.isFinite(count) && count > 0) this.replicasSeen = count;
      const leases = [...this.leases];
      const renewed = await Promise.all(leases.map((lease) => this.renew(lease)));
      const lost = renewed.filter((ok) => !ok).length;
      if (lost > 0) {
        // The lease lapsed (Redis was away longer than leaseMs, or restarted empty): the call
        // goes on, but its slot may have gone to another replica meanwhile.
        for (const [i, lease] of leases.entries()) if (!renewed[i]) this.leases.delete(lease);
        this.lostLeases += lost;
        this.log.warn({ lost }, 'in-flight caps: slots lapsed in Redis while their calls were still running');
      }
      this.stallExcuses = 0;
      this.markUp();
    } catch (error) {
      // As for a slot (acquireSlot): a late answer may be this process's stall, not Redis's.
      if (await this.ownStall(began)) return this.beat(retried);
      if (!retried && this.client.status === 'ready') return this.beat(true);
      this.markDown(error, this.stalls.stalledSince(began));
    }
  }

  private async renew(lease: Lease): Promise<boolean> {
    // The library's way to renew a lock that is held elsewhere: the same identifier, taken
    // as acquired externally, and tried once (which renews rather than acquires).
    const held = new RedisSemaphore(this.client, lease.key, lease.limit, {
      identifier: lease.identifier,
      acquiredExternally: true,
      lockTimeout: this.settings.leaseMs,
      refreshInterval: 0,
    });
    return held.tryAcquire();
  }

  /** Slots found lapsed at renewal since start (for tests and diagnostics). */
  get lapsedLeases(): number {
    return this.lostLeases;
  }

  /** Slots this process holds in Redis now. */
  get heldLeases(): number {
    return this.leases.size;
  }

  /** Resolves once the caps are shared, or after `timeoutMs` (then false). For start-up and tests. */
  async whenShared(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.healthy && Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await this.heartbeat();
    }
    return this.healthy;
  }

  /** Stops the heartbeat, leaves the replica count and closes the connection. Slots still held lapse by themselves. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeatTimer);
    this.stalls.stop();
    await this.beating;
    if (this.client.status === 'ready') {
      await this.client.zrem(this.replicasKey, this.replicaId).catch(() => {});
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}

/**
 * The cap of one upstream. While Redis answers, a slot takes a local permit (so one replica
 * never holds more than the cap) and then a slot in Redis; while every slot is taken only
 * the first HEADS local waiters ask Redis, the others queue behind them in process, so a
 * replica adds about one Redis round trip per RETRY_INTERVAL_MS. While Redis is unreachable,
 * the local permits alone count, and there are only this replica's share of them.
 */
export class SharedInFlightLimiter implements InFlightLimiter {
  private readonly local: LocalSemaphore;
  private readonly head: LocalSemaphore;

  constructor(
    private readonly caps: SharedCaps,
    readonly upstream: string,
    readonly key: string,
    readonly cap: number,
  ) {
    this.local = new LocalSemaphore(caps.isShared ? cap : caps.share(cap), upstream);
    this.head = new LocalSemaphore(Math.min(HEADS, cap), upstream);
  }

  get mode(): CapMode {
    return this.caps.isShared ? 'shared' : 'local';
  }

  /** Slots this process may hold now: the cap when shared, the share when local. */
  get limit(): number {
    return this.local.limit;
  }

  /** Slots this process holds now. */
  get inUse(): number {
    return this.local.inUse;
  }

  /** Called by SharedCaps when the mode changes. */
  applyMode(): void {
    this.local.setLimit(this.caps.isShared ? this.cap : this.caps.share(this.cap));
  }

  async acquire(signal: AbortSignal | undefined, deadline: number | undefined): Promise<Release> {
    for (;;) {
      const releaseLocal = await this.local.acquire(signal, deadline);
      if (!this.caps.isShared) return releaseLocal;
      let outcome: Release | 'unavailable';
      try {
        outcome = await this.redisSlot(signal, deadline);
      } catch (error) {
        releaseLocal();
        throw error;
      }
      if (typeof outcome === 'function') {
        const releaseSlot = outcome;
        return () => {
          releaseSlot();
          releaseLocal();
        };
      }
      // Redis failed: this permit was granted under the whole cap, so queue again for one of
      // the share's.
      releaseLocal();
    }
  }

  /**
   * A slot in Redis, or `unavailable` when Redis failed. While every slot is taken, only the
   * heads of this process's queue try again: each every HEADS × RETRY_INTERVAL_MS, or at once
   * when a slot of this process is given back.
   */
  private async redisSlot(signal: AbortSignal | undefined, deadline: number | undefined): Promise<Release | 'unavailable'> {
    // Nobody here is waiting for a slot: one try straight away, so that calls under the cap
    // go out side by side instead of one round trip after the other.
    if (this.head.inUse === 0 && this.head.waiting === 0) {
      const first = await this.caps.acquireSlot(this.upstream, this.key, this.cap, signal, deadline);
      if (first !== 'full' && first !== 'retry') return this.wrap(first);
    }
    const releaseHead = await this.head.acquire(signal, deadline);
    try {
      for (;;) {
        // Redis may have failed while this call queued for the head.
        if (!this.caps.isShared) return 'unavailable';
        const outcome = await this.caps.acquireSlot(this.upstream, this.key, this.cap, signal, deadline);
        if (outcome === 'retry') continue;
        if (outcome !== 'full') return this.wrap(outcome);
        await this.pause(signal, deadline);
      }
    } finally {
      releaseHead();
    }
  }

  /** Gives back a slot, then lets one waiting head try at once: the slot just freed is likely its. */
  private wrap(outcome: Release | 'unavailable'): Release | 'unavailable' {
    if (outcome === 'unavailable') return outcome;
    return () => {
      // The removal goes out on the connection now, so the head's next try lands after it.
      outcome();
      this.wakers.shift()?.();
    };
  }

  /** The pauses of the heads, oldest first; a slot given back ends one. */
  private readonly wakers: Array<() => void> = [];

  /** HEADS × RETRY_INTERVAL_MS, or less when a slot of this process is given back. Rejects with NoSlotError at the deadline or on abort. */
  private pause(signal: AbortSignal | undefined, deadline: number | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timeLeft = deadline === undefined ? Infinity : deadline - Date.now();
      const done = (error?: NoSlotError) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.wakers.indexOf(wake);
        if (index !== -1) this.wakers.splice(index, 1);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => done(new NoSlotError(this.upstream, abortCause(signal!, deadline), this.cap));
      const interval = RETRY_INTERVAL_MS * this.head.limit;
      const timer = setTimeout(() => done(timeLeft <= interval ? new NoSlotError(this.upstream, 'deadline', this.cap) : undefined), Math.max(0, Math.min(interval, timeLeft)));
      const wake = () => done();
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wakers.push(wake);
    });
  }
}

/**
 * The part of a semaphore key that tells apart places of one upstream: for a URL, its origin
 * and path only. A user name, password, query or fragment in a base URL (credentials, API
 * keys) never reaches Redis, where anyone who can list keys would read them.
 */
export function keyScope(scope: string): string {
  let url: URL;
  try {
    url = new URL(scope);
  } catch {
    return scope;
  }
  if (url.origin === 'null') return scope;
  return `${url.origin}${url.pathname}`.replace(/\/$/, '');
}
