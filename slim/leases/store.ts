import { and, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { feedLeases } from '../../db/schema/slim.ts';

/** Bound on one acquire statement: a worker with more feeds renews them in several statements. */
export const LEASE_BATCH_MAX = 500;

/** The `feed_leases` table: the same statements on Postgres and PGlite. */
export class LeaseStore {
  constructor(private readonly db: Database) {}

  /**
   * Acquires or renews, for `holder`, the leases of `feedIds` until `expiresAt`, and returns the
   * ids it now holds. Per feed one atomic conditional upsert: a row is taken over only when it is
   * `holder`'s own or already expired at `now`, so two workers can never both succeed for one feed.
   */
  async acquire(feedIds: readonly string[], holder: string, now: Date, expiresAt: Date): Promise<Set<string>> {
    const held = new Set<string>();
    for (let i = 0; i < feedIds.length; i += LEASE_BATCH_MAX) {
      const batch = feedIds.slice(i, i + LEASE_BATCH_MAX);
      const rows = await this.db
        .insert(feedLeases)
        .values(batch.map((feedId) => ({ feedId, holder, expiresAt })))
        .onConflictDoUpdate({
          target: feedLeases.feedId,
          set: { holder: sql`excluded.holder`, expiresAt: sql`excluded.expires_at` },
          setWhere: or(eq(feedLeases.holder, holder), lte(feedLeases.expiresAt, now)),
        })
        .returning({ feedId: feedLeases.feedId });
      for (const r of rows) held.add(r.feedId);
    }
    return held;
  }

  /** Gives up `holder`'s leases of `feedIds` (a graceful stop), so another worker need not wait for them to expire. */
  async release(feedIds: readonly string[], holder: string): Promise<void> {
    for (let i = 0; i < feedIds.length; i += LEASE_BATCH_MAX) {
      const batch = feedIds.slice(i, i + LEASE_BATCH_MAX);
      await this.db.delete(feedLeases).where(and(eq(feedLeases.holder, holder), inArray(feedLeases.feedId, batch)));
    }
  }

  /** Operators and tests: who holds a feed, until when. */
  async holderOf(feedId: string): Promise<{ holder: string; expiresAt: Date } | null> {
    const [row] = await this.db.select().from(feedLeases).where(eq(feedLeases.feedId, feedId)).limit(1);
    return row === undefined ? null : { holder: row.holder, expiresAt: row.expiresAt };
  }
}
