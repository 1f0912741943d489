import { createHash } from 'node:crypto';
import { InMemoryLRUCache, type KeyValueCache } from '@apollo/utils.keyvaluecache';
import CachePolicy from 'http-cache-semantics';
import type { UpstreamName } from '../errors.js';
import type { UpstreamResponse } from '../http/transport.js';
import { ttlKey } from '../upstreams/definition.js';

/** Told of every lookup, for metrics. */
export interface CacheObserver {
  cacheHit?(upstream: UpstreamName, route: string): void;
  cacheMiss?(upstream: UpstreamName, route: string): void;
}

/**
 * One cached read, as the caller sees it: the mapped value and how long it may answer.
 * Times are epoch milliseconds.
 */
export interface CachedRead<T> {
  value: T;
  /** Until when it answers without asking the upstream (freshness from the upstream's headers). */
  freshUntil: number;
  /**
   * Until when it may answer in place of a failed upstream call: the upstream's
   * `stale-if-error` (or `stale-while-revalidate`) window, or the configured grace period
   * after `freshUntil`, whichever is later; `freshUntil` when neither allows it.
   */
  staleUntil: number;
  /** When the upstream produced it (its `Age` taken into account): ages in `extensions` count from here. */
  bornAt: number;
}

export interface UpstreamReadCacheOptions {
  /**
   * Seconds after freshness ends during which a kept copy answers for a failed upstream call
   * (CACHE_STALE_GRACE_SECONDS). The upstream's own `stale-if-error` applies even when 0; a
   * response with `must-revalidate`/`proxy-revalidate` gets no grace.
   */
  staleGraceSeconds?: number;
  /**
   * Bound of the in-process layer of parsed, mapped reads (CACHE_LOCAL_MAX_BYTES), counted as
   * the size of the JSON each value was mapped from (key included). 0 turns the layer off.
   */
  localMaxBytes?: number;
  /**
   * Whether the shared store is worth writing to: false when it is this process's own memory
   * (no REDIS_URL), where the in-process layer already holds the parsed copy.
   */
  sharedStore?: boolean;
}

interface LocalEntry {
  read: CachedRead<unknown>;
  /** JSON bytes the value came from: the LRU's size measure. */
  bytes: number;
}

/** The request side of every cached read, as http-cache-semantics sees it (credentials are in the key instead). */
const CACHE_REQUEST_HEADERS = { accept: 'application/json' };
/** Cache-Control directives that say something about a response's lifetime. */
const LIFETIME_DIRECTIVE = /(?:^|,)\s*(?:max-age|s-maxage|no-store|no-cache)\b/i;
const REVALIDATE_DIRECTIVE = /(?:^|,)\s*(?:must-revalidate|proxy-revalidate)\b/i;

/**
 * Successful upstream reads, shared across operations, in two layers:
 *
 * - in process: an LRU of parsed, mapped values (bounded by `localMaxBytes`), so a hot hit
 *   costs no JSON parse and no mapping;
 * - the shared store: Redis with REDIS_URL (shared by every replica), where each entry is its
 *   lifetimes and the upstream's JSON, parsed and mapped once when read into this process.
 *
 * Keys always include the fingerprint of the credential that fetched the data, so a body
 * fetched with one caller's credential is never served to another. Freshness comes from the
 * upstream's caching headers through http-cache-semantics (a shared cache: `s-maxage`, `Age`,
 * `Expires`, `no-store`, `no-cache`), with the route table's lifetime (CACHE_TTL_*) when the
 * upstream says nothing about it. Only bodies that came with a 2xx and mapped cleanly are
 * written: a failure is never cached.
 *
 * Besides whole responses by URL, single records (an organization by id, by externalId) are
 * kept under names of their own, so that a record that arrived in a batch answers a later
 * single read or another batch (`readRecord`, `writeRecords`).
 */
export class UpstreamReadCache {
  private readonly local: InMemoryLRUCache<LocalEntry> | undefined;
  private readonly graceMs: number;
  private readonly sharedStore: boolean;

  constructor(
    private readonly store: KeyValueCache<string>,
    /**
     * Default time to live per route, in seconds, by `<upstream> <route name>` (ttlKey): the
     * route tables' lifetimes as config read them (CACHE_TTL_*). 0 or absent: not cached.
     */
    private readonly ttlSeconds: Readonly<Record<string, number>>,
    private readonly observer: CacheObserver = {},
    options: UpstreamReadCacheOptions = {},
  ) {
    this.graceMs = (options.staleGraceSeconds ?? 0) * 1000;
    this.sharedStore = options.sharedStore ?? true;
    const localMaxBytes = options.localMaxBytes ?? 32 * 1024 * 1024;
    this.local = localMaxBytes > 0 ? new InMemoryLRUCache<LocalEntry>({ maxSize: localMaxBytes, sizeCalculation: (entry, key) => entry.bytes + key.length }) : undefined;
  }

  /**
   * `url` is the whole URL, base included: two deployments sharing a Redis never collide. The
   * key is plain text in process; in Redis it is hashed (`sharedKey`).
   */
  key(upstream: UpstreamName, credentialFingerprint: string, url: string): string {
    return `up:${upstream}:${credentialFingerprint}\u0000${url}`;
  }

  /** The key of one record (e.g. `organization 6000`), for one credential. */
  recordKey(upstream: UpstreamName, credentialFingerprint: string, record: string): string {
    return `rec:${upstream}:${credentialFingerprint}\u0000${record}`;
  }

  /** Whether reads of this route are cached at all (a route with no TTL skips the store). */
  caches(upstream: UpstreamName, route: string): boolean {
    return (this.ttlSeconds[ttlKey(upstream, route)] ?? 0) > 0;
  }

  /**
   * The entry under `key`, fresh or still usable on error; undefined when there is none.
   * `decode` turns a stored JSON body into the value (the route's mapping); it runs once per
   * entry read from the shared store, never for an in-process hit. Counts a hit when fresh,
   * a miss otherwise.
   */
  async read<T>(upstream: UpstreamName, route: string, key: string, decode: (body: string) => T): Promise<CachedRead<T> | undefined> {
    const found = await this.lookup(key, decode);
    if (found && found.freshUntil > Date.now()) this.observer.cacheHit?.(upstream, route);
    else this.observer.cacheMiss?.(upstream, route);
    return found;
  }

  /** A record's entry (see `read`), without counting: a record miss falls back to a read that counts. */
  readRecord<T>(key: string): Promise<CachedRead<T> | undefined> {
    return this.lookup(key, (body) => JSON.parse(body) as T);
  }

  private async lookup<T>(key: string, decode: (body: string) => T): Promise<CachedRead<T> | undefined> {
    const now = Date.now();
    const local = await this.local?.get(key);
    if (local && local.read.staleUntil > now) return local.read as CachedRead<T>;
    if (!this.sharedStore) return undefined;
    const stored = await this.store.get(sharedKey(key));
    if (stored === undefined) return undefined;
    const parsed = parseStored(stored);
    if (!parsed || parsed.staleUntil <= now) return undefined;
    // A stored body that no longer maps (a mapping changed under a rolling deploy) is a miss.
    let value: T;
    try {
      value = decode(parsed.body);
    } catch {
      return undefined;
    }
    const read: CachedRead<T> = { value, freshUntil: parsed.freshUntil, staleUntil: parsed.staleUntil, bornAt: parsed.bornAt };
    this.keepLocal(key, read, parsed.body.length);
    return read;
  }

  /**
   * The lifetimes a 2xx response grants, from its headers (http-cache-semantics, as a shared
   * cache) and the route's default when it names no lifetime; undefined when it may not be
   * kept: `no-store`, `no-cache`, or stale on arrival (`Age` beyond its `max-age`).
   */
  lifetimes(upstream: UpstreamName, route: string, url: string, response: Pick<UpstreamResponse, 'status' | 'headers'>): Omit<CachedRead<unknown>, 'value'> | undefined {
    const defaultTtl = this.ttlSeconds[ttlKey(upstream, route)] ?? 0;
    if (defaultTtl <= 0) return undefined;
    const headers = { ...response.headers };
    const cacheControl = headerValue(headers['cache-control']);
    // Every entry is keyed by the credential that fetched it, so a `private` answer is kept
    // like a shared one: it is only ever served to the same credential.
    const shared = cacheControl?.replace(/(?:^|,)\s*private\b(?:="[^"]*")?/gi, '').replace(/^\s*,/, '');
    if (shared !== undefined) headers['cache-control'] = shared;
    if (!LIFETIME_DIRECTIVE.test(shared ?? '') && headers.expires === undefined) {
      headers['cache-control'] = shared ? `${shared}, max-age=${defaultTtl}` : `max-age=${defaultTtl}`;
    }
    const policy = new CachePolicy({ url, method: 'GET', headers: CACHE_REQUEST_HEADERS }, { status: response.status, headers }, { shared: true });
    if (!policy.storable()) return undefined;
    const now = Date.now();
    const age = policy.age();
    const freshUntil = now + Math.round((policy.maxAge() - age) * 1000);
    if (freshUntil <= now) return undefined;
    const graceUntil = REVALIDATE_DIRECTIVE.test(cacheControl ?? '') ? freshUntil : freshUntil + this.graceMs;
    // timeToLive() is the library's whole usable life: freshness plus stale-if-error or
    // stale-while-revalidate, whichever is longer.
    const staleUntil = Math.max(freshUntil, now + policy.timeToLive(), graceUntil);
    return { freshUntil, staleUntil, bornAt: now - Math.round(age * 1000) };
  }

  /**
   * Keeps `value`, mapped from `body`, under `key` for the lifetimes given (see `lifetimes`).
   * Never rejects: a store that fails or runs out of time loses the write, nothing else.
   */
  write<T>(key: string, value: T, body: string, lifetimes: Omit<CachedRead<T>, 'value'>): CachedRead<T> {
    const read: CachedRead<T> = { value, ...lifetimes };
    this.keepLocal(key, read, body.length);
    if (this.sharedStore) {
      const ttl = Math.ceil((lifetimes.staleUntil - Date.now()) / 1000);
      if (ttl > 0) {
        this.store.set(sharedKey(key), `${lifetimes.freshUntil} ${lifetimes.staleUntil} ${lifetimes.bornAt}\n${body}`, { ttl }).catch(() => {});
      }
    }
    return read;
  }

  /** Keeps each record (key → value, plain JSON data) with the lifetimes of the response it came in. */
  writeRecords(records: Iterable<readonly [key: string, value: unknown]>, lifetimes: Omit<CachedRead<unknown>, 'value'>): void {
    for (const [key, value] of records) this.write(key, value, JSON.stringify(value) ?? 'null', lifetimes);
  }

  /** Whether `read` may answer now in place of a failed call (within its stale window). */
  usableOnError(read: CachedRead<unknown>): boolean {
    return read.staleUntil > Date.now();
  }

  private keepLocal(key: string, read: CachedRead<unknown>, bytes: number): void {
    if (!this.local) return;
    const ttl = Math.ceil((read.staleUntil - Date.now()) / 1000);
    if (ttl > 0) void this.local.set(key, { read, bytes }, { ttl });
  }
}

/**
 * A key as Redis sees it: hashed, so that keys stay short and no credential fingerprint or
 * path detail lands in Redis key listings. Only computed on the way to Redis: an in-process
 * hit costs no hash.
 */
function sharedKey(key: string): string {
  const colon = key.indexOf(':', key.indexOf(':') + 1);
  return `${key.slice(0, colon)}:${createHash('sha256').update(key.slice(colon + 1)).digest('base64url')}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** `<freshUntil> <staleUntil> <bornAt>\n<body>`; undefined for anything else (an entry of an older format). */
function parseStored(stored: string): { freshUntil: number; staleUntil: number; bornAt: number; body: string } | undefined {
  const newline = stored.indexOf('\n');
  if (newline < 0) return undefined;
  const [freshUntil, staleUntil, bornAt] = stored.slice(0, newline).split(' ').map(Number);
  if (!Number.isFinite(freshUntil) || !Number.isFinite(staleUntil) || !Number.isFinite(bornAt)) return undefined;
  return { freshUntil: freshUntil!, staleUntil: staleUntil!, bornAt: bornAt!, body: stored.slice(newline + 1) };
}
