import type { CacheEntry } from './answer.ts';

export type TierName = 'l1' | 'l2' | 'l3';

/**
 * A lookup in one tier: a hit, a miss (absent or expired), or corrupt (something is stored under
 * the key but it is not a valid entry: treated as a miss and counted apart). A backend failure is
 * not a lookup result: `get` rejects, and the cache skips the tier.
 */
export type TierLookup = { status: 'hit'; entry: CacheEntry } | { status: 'miss' } | { status: 'corrupt' };

/** The backend interface of one cache tier; each implementation judges expiry by the injected clock. */
export interface CacheTier {
  readonly name: TierName;
  /** Which backend holds this tier, for the health details (database: PostgreSQL, or PGlite when embedded). */
  readonly backend: 'memory' | 'redis' | 'database';
  get(key: string): Promise<TierLookup>;
  /** Stores `entry` until its `expiresAtMs`, replacing what was there. */
  set(key: string, entry: CacheEntry): Promise<void>;
  close(): Promise<void>;
}
