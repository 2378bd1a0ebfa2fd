import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Category, FeedSource, Observation } from '../../schemas/index.ts';
import type { Clock } from '../clock.ts';
import { isPullSource } from '../sources.ts';
import { answerOf, observationFor, type CacheEntry } from './answer.ts';
import { hitRatioOf, newTierCounters, type SourceCacheCounters, type TierCounters } from './counters.ts';
import { sourceCacheKey } from './key.ts';
import type { CacheTier } from './tier.ts';

/** What the cache needs of a feed: which source it asks, its category's TTL, and who it is. */
export interface CacheableFeed {
  id: string;
  assetId: string;
  category: Category;
  source: FeedSource;
  /** Pull feeds: how often the feed is fetched; bounds the age of an answer it takes from the cache. */
  schedule?: { intervalMs: number };
}

/**
 * The oldest answer a feed takes from the cache: the TTL, and less than half the feed's own
 * interval, so a feed's next scheduled fetch is never answered with what its previous one stored
 * (a market feed polled every second would otherwise see a new answer only every other poll).
 * Other feeds of the source, dry runs and a replica taking the feed over still share the answer.
 */
export function answerAgeMsMax(ttlMs: number, intervalMs: number | undefined): number {
  return intervalMs === undefined ? ttlMs : Math.min(ttlMs, Math.floor(intervalMs / 2));
}

/** Bound on tier writes in flight: past it a fill is dropped (counted), never queued without end. */
export const WRITES_PENDING_MAX = 256;
/**
 * How long a lookup waits on one tier before skipping it. Redis commands time out sooner on their
 * own; this bounds a database that hangs instead of failing. Real time, not the injected clock: it
 * bounds I/O, which a manual clock does not drive.
 */
export const TIER_READ_TIMEOUT_MS = 1_000;

export interface SourceCacheOptions {
  /** Looked up in this order (L1, L2, L3); an absent tier is simply not in the list. */
  tiers: readonly CacheTier[];
  clock: Clock;
  ttlMsOf: (category: Category) => number;
  logger?: Logger;
  /** False: `wrap` hands back the fetch unchanged (SOURCE_CACHE_ENABLED=false). */
  enabled?: boolean;
  writesPendingMax?: number;
}

interface Resolved {
  entry: CacheEntry;
  /** The source's own observation, when this lookup fetched it (the fetching feed gets it as it came). */
  fetched?: Observation;
}

/**
 * The source answer cache: L1 → L2 → L3 → source. A hit in a lower tier fills the tiers above it
 * with the same entry (same expiry: a copy never outlives the original); a fetch fills every tier.
 * Fills are written in the background, so a slow tier never delays an answer. A tier that fails
 * is skipped and counted, never fails the fetch. Failures are never cached. Concurrent lookups of
 * one key in this worker share one lookup, hence at most one upstream fetch (single flight).
 */
export class SourceCache {
  private readonly tiers: readonly CacheTier[];
  private readonly counts: TierCounters[];
  private readonly inFlight = new Map<string, Promise<Resolved>>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly enabled: boolean;
  private readonly writesPendingMax: number;
  private lookups = 0;
  private hits = 0;
  private coalesced = 0;
  private upstreamFetches = 0;
  private writesDropped = 0;

  constructor(private readonly options: SourceCacheOptions) {
    this.enabled = options.enabled ?? true;
    this.tiers = this.enabled ? options.tiers : [];
    this.counts = this.tiers.map((t) => newTierCounters(t.backend));
    this.writesPendingMax = options.writesPendingMax ?? WRITES_PENDING_MAX;
  }

  /** The fetch with the cache in front of it; push feeds pass straight through. */
  wrap<F extends CacheableFeed>(fetch: (feed: F) => Promise<Observation>): (feed: F) => Promise<Observation> {
    if (!this.enabled) return fetch;
    return async (feed) => {
      if (!isPullSource(feed.source)) return fetch(feed);
      const key = sourceCacheKey(feed.source);
      const ageMsMax = answerAgeMsMax(this.options.ttlMsOf(feed.category), feed.schedule?.intervalMs);
      this.lookups += 1;
      const running = this.inFlight.get(key);
      if (running !== undefined) {
        const { entry } = await running;
        // A lookup that found an entry old enough for its own feed may be too old for this one: look again then.
        if (this.options.clock.now().getTime() - entry.storedAtMs < ageMsMax) {
          this.coalesced += 1;
          return observationFor(entry.answer, feed, this.options.clock.now());
        }
      }
      const lookup = this.lookup(key, feed, ageMsMax, fetch);
      this.inFlight.set(key, lookup);
      try {
        const resolved = await lookup;
        return resolved.fetched ?? observationFor(resolved.entry.answer, feed, this.options.clock.now());
      } finally {
        if (this.inFlight.get(key) === lookup) this.inFlight.delete(key);
      }
    };
  }

  counters(): SourceCacheCounters {
    const byName = (name: CacheTier['name']) => {
      const i = this.tiers.findIndex((t) => t.name === name);
      const c = i < 0 ? undefined : this.counts[i];
      return c === undefined ? null : { ...c };
    };
    return {
      enabled: this.enabled,
      lookups: this.lookups,
      hits: this.hits,
      coalesced: this.coalesced,
      upstreamFetches: this.upstreamFetches,
      writesDropped: this.writesDropped,
      l1: byName('l1'),
      l2: byName('l2'),
      l3: byName('l3'),
      hitRatio: hitRatioOf({ hits: this.hits, lookups: this.lookups }),
    };
  }

  /** Resolves once every tier write started so far has ended (stop, and tests). */
  async flush(): Promise<void> {
    while (this.pendingWrites.size > 0) await Promise.all([...this.pendingWrites]);
  }

  async close(): Promise<void> {
    await this.flush();
    for (const tier of this.tiers) {
      await tier.close().catch((err: unknown) => this.options.logger?.warn({ err, tier: tier.name }, 'closing a cache tier failed'));
    }
  }

  private async lookup<F extends CacheableFeed>(key: string, feed: F, ageMsMax: number, fetch: (feed: F) => Promise<Observation>): Promise<Resolved> {
    for (let i = 0; i < this.tiers.length; i += 1) {
      const entry = await this.read(i, key, ageMsMax);
      if (entry !== null) {
        this.hits += 1;
        this.fill(this.tiers.slice(0, i), key, entry);
        return { entry };
      }
    }
    this.upstreamFetches += 1;
    // A failure propagates to every caller sharing this lookup and is never cached.
    const fetched = await fetch(feed);
    const storedAtMs = this.options.clock.now().getTime();
    const entry: CacheEntry = { answer: answerOf(fetched), storedAtMs, expiresAtMs: storedAtMs + this.options.ttlMsOf(feed.category) };
    this.fill(this.tiers, key, entry);
    return { entry, fetched };
  }

  /** One tier's answer: the entry on a hit, null on a miss, a corrupt entry, one too old for the feed or a failure (each counted). */
  private async read(i: number, key: string, ageMsMax: number): Promise<CacheEntry | null> {
    const tier = this.tiers[i];
    const counts = this.counts[i];
    if (tier === undefined || counts === undefined) return null;
    try {
      const found = await withTimeout(tier.get(key), TIER_READ_TIMEOUT_MS, tier.name);
      if (found.status === 'hit' && this.options.clock.now().getTime() - found.entry.storedAtMs < ageMsMax) {
        counts.hits += 1;
        return found.entry;
      }
      counts.misses += 1;
      if (found.status === 'corrupt') {
        counts.corrupt += 1;
        this.options.logger?.warn({ tier: tier.name, key, corrupt: counts.corrupt }, 'corrupt source cache entry: treated as a miss');
      }
      return null;
    } catch (err) {
      this.failed(i, err);
      return null;
    }
  }

  private fill(tiers: readonly CacheTier[], key: string, entry: CacheEntry): void {
    for (const tier of tiers) {
      if (this.pendingWrites.size >= this.writesPendingMax) {
        this.writesDropped += 1;
        continue;
      }
      const i = this.tiers.indexOf(tier);
      const write: Promise<void> = tier
        .set(key, entry)
        .catch((err: unknown) => this.failed(i, err))
        .finally(() => this.pendingWrites.delete(write));
      this.pendingWrites.add(write);
    }
  }

  private failed(i: number, err: unknown): void {
    const counts = this.counts[i];
    if (counts === undefined) return;
    counts.errors += 1;
    // While a backend is down every lookup comes here: the first failure and then every thousandth say enough.
    if (counts.errors === 1 || counts.errors % 1_000 === 0) {
      this.options.logger?.warn({ err, tier: this.tiers[i]?.name, errors: counts.errors }, 'source cache tier failed; skipping it');
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('UNAVAILABLE', `source cache ${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
