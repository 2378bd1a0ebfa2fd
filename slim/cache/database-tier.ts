import { eq, inArray, lte } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { sourceCache } from '../../db/schema/slim.ts';
import type { Clock } from '../clock.ts';
import { isLive, SourceAnswer, type CacheEntry } from './answer.ts';
import type { CacheTier, TierLookup } from './tier.ts';

/** Bound on one pruning statement: a large backlog of expired rows goes over several writes. */
export const L3_PRUNE_ROWS_MAX = 500;
/** How often, at most, a write also prunes expired rows. */
export const L3_PRUNE_INTERVAL_MS = 60_000;

/**
 * L3: the `source_cache` table (PostgreSQL, or PGlite when embedded), shared by the workers on one
 * database and outliving restarts: a feed taken over by another worker, or a restarted one, reuses
 * the last answer. Expired rows are misses at once and deleted now and then by writes, a bounded
 * batch at a time. The stored answer is parsed on read; a row that does not parse is corrupt.
 */
export class DatabaseTier implements CacheTier {
  readonly name = 'l3';
  readonly backend = 'database';
  private lastPruneMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {}

  async get(key: string): Promise<TierLookup> {
    const [row] = await this.db.select().from(sourceCache).where(eq(sourceCache.key, key)).limit(1);
    if (row === undefined) return { status: 'miss' };
    const life = { storedAtMs: row.storedAt.getTime(), expiresAtMs: row.expiresAt.getTime() };
    if (!isLive(life, this.clock.now().getTime())) return { status: 'miss' };
    const answer = SourceAnswer.safeParse(row.value);
    if (!answer.success) return { status: 'corrupt' };
    return { status: 'hit', entry: { answer: answer.data, ...life } };
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const nowMs = this.clock.now().getTime();
    if (!isLive(entry, nowMs)) return;
    const row = { key, value: entry.answer, storedAt: new Date(entry.storedAtMs), expiresAt: new Date(entry.expiresAtMs) };
    await this.db
      .insert(sourceCache)
      .values(row)
      .onConflictDoUpdate({ target: sourceCache.key, set: { value: row.value, storedAt: row.storedAt, expiresAt: row.expiresAt } });
    if (nowMs - this.lastPruneMs >= L3_PRUNE_INTERVAL_MS) {
      this.lastPruneMs = nowMs;
      await this.pruneExpired();
    }
  }

  /** Deletes up to `rowsMax` rows expired by now; answers how many went. */
  async pruneExpired(rowsMax = L3_PRUNE_ROWS_MAX): Promise<number> {
    const now = this.clock.now();
    const expired = this.db.select({ key: sourceCache.key }).from(sourceCache).where(lte(sourceCache.expiresAt, now)).limit(rowsMax);
    const deleted = await this.db.delete(sourceCache).where(inArray(sourceCache.key, expired)).returning({ key: sourceCache.key });
    return deleted.length;
  }

  close(): Promise<void> {
    // The database belongs to the worker, which closes it after the cache.
    return Promise.resolve();
  }
}
