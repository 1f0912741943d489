import { createHash } from 'node:crypto';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { UpstreamName } from '../errors.js';
import type { UpstreamResponse } from '../http/transport.js';
import { routeKey } from '../upstreams/definition.js';

/** Told of every lookup, for metrics. */
export interface CacheObserver {
  cacheHit?(upstream: UpstreamName, route: string): void;
  cacheMiss?(upstream: UpstreamName, route: string): void;
}

/**
 * Successful upstream reads, shared across operations (and across replicas when the store is
 * Redis). Keys always include the fingerprint of the credential that fetched the data, so a
 * body fetched with one caller's credential is never served to another. Only bodies that
 * came with a 2xx and mapped cleanly are written: a failure is never cached.
 */
export class UpstreamReadCache {
  constructor(
    private readonly store: KeyValueCache<string>,
    /**
     * Default time to live per route, in seconds, by `<upstream> <route name>` (routeKey): the
     * route tables' lifetimes as config read them (CACHE_TTL_*). 0 or absent: not cached.
     */
    private readonly ttlSeconds: Readonly<Record<string, number>>,
    private readonly observer: CacheObserver = {},
  ) {}

  /** `url` is the whole URL, base included: two deployments sharing a Redis never collide. */
  key(upstream: UpstreamName, credentialFingerprint: string, url: string): string {
    // Hashed so that keys stay short and no path detail lands in Redis key listings.
    return `up:${upstream}:${createHash('sha256').update(`${credentialFingerprint}\u0000${url}`).digest('base64url')}`;
  }

  /** Whether reads of this route are cached at all (a route with no TTL skips the store). */
  caches(upstream: UpstreamName, route: string): boolean {
    return (this.ttlSeconds[routeKey(upstream, route)] ?? 0) > 0;
  }

  async read(upstream: UpstreamName, route: string, key: string): Promise<string | undefined> {
    const body = await this.store.get(key);
    if (body === undefined) this.observer.cacheMiss?.(upstream, route);
    else this.observer.cacheHit?.(upstream, route);
    return body;
  }

  async write(upstream: UpstreamName, route: string, key: string, response: Pick<UpstreamResponse, 'headers' | 'body'>): Promise<void> {
    const ttl = cacheControlTtl(response.headers['cache-control']) ?? this.ttlSeconds[routeKey(upstream, route)] ?? 0;
    if (ttl > 0) await this.store.set(key, response.body, { ttl });
  }
}

/**
 * The lifetime an upstream's `Cache-Control` grants, in seconds: `s-maxage`, else `max-age`;
 * 0 for `no-store`/`no-cache`; undefined when it says nothing about it (the route default
 * applies then). `private` does not stop us: every entry is already keyed by credential.
 */
export function cacheControlTtl(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return undefined;
  const directives = new Map(
    value
      .toLowerCase()
      .split(',')
      .map((part) => part.trim().split('=') as [string, string | undefined]),
  );
  if (directives.has('no-store') || directives.has('no-cache')) return 0;
  const seconds = Number(directives.get('s-maxage') ?? directives.get('max-age'));
  return Number.isFinite(seconds) && seconds >= 0 ? Math.floor(seconds) : undefined;
}
