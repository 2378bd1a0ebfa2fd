import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.ts';
import { isLive, type CacheEntry } from './answer.ts';
import type { CacheTier, TierLookup } from './tier.ts';

/**
 * L1: this process's least-recently-used entries, at most `entriesMax`. Nothing crosses a boundary
 * here, so entries are kept as the typed values they were stored as. Expiry is checked against the
 * injected clock rather than lru-cache's own TTL timer, so tests can move time.
 */
export class MemoryTier implements CacheTier {
  readonly name = 'l1';
  readonly backend = 'memory';
  private readonly entries: LRUCache<string, CacheEntry>;

  constructor(
    options: { entriesMax: number },
    private readonly clock: Clock,
  ) {
    this.entries = new LRUCache({ max: options.entriesMax });
  }

  get(key: string): Promise<TierLookup> {
    const entry = this.entries.get(key);
    if (entry === undefined) return Promise.resolve({ status: 'miss' });
    if (!isLive(entry, this.clock.now().getTime())) {
      this.entries.delete(key);
      return Promise.resolve({ status: 'miss' });
    }
    return Promise.resolve({ status: 'hit', entry });
  }

  set(key: string, entry: CacheEntry): Promise<void> {
    if (isLive(entry, this.clock.now().getTime())) this.entries.set(key, entry);
    return Promise.resolve();
  }

  /** Entries held now, expired ones not yet looked up included. */
  get size(): number {
    return this.entries.size;
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }
}
