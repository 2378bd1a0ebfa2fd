import type { CacheTier, TierName } from './tier.ts';

/** One tier since start-up. `misses` include corrupt entries, which are also counted on their own. */
export interface TierCounters {
  backend: CacheTier['backend'];
  hits: number;
  misses: number;
  corrupt: number;
  /** Reads and writes the backend failed (down, timed out): the tier was skipped. */
  errors: number;
}

/** The cache in the slim worker's health details. */
export interface SourceCacheCounters {
  enabled: boolean;
  /** Fetches asked of the cache (push feeds never are). */
  lookups: number;
  /** Lookups answered by a tier. */
  hits: number;
  /** Lookups that joined a fetch of the same key already in flight in this worker. */
  coalesced: number;
  /** Fetches that went to the source (through the outbound guard); failures included. */
  upstreamFetches: number;
  /** Tier writes not attempted because too many were already pending. */
  writesDropped: number;
  l1: TierCounters | null;
  l2: TierCounters | null;
  l3: TierCounters | null;
  /** hits / lookups; null before the first lookup (a ratio of nothing is not 0). */
  hitRatio: number | null;
}

export const newTierCounters = (backend: CacheTier['backend']): TierCounters => ({ backend, hits: 0, misses: 0, corrupt: 0, errors: 0 });

export function hitRatioOf(counts: { hits: number; lookups: number }): number | null {
  return counts.lookups === 0 ? null : counts.hits / counts.lookups;
}

export type TierCountersByName = Partial<Record<TierName, TierCounters>>;
