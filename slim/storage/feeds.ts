import { asc, count, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { feeds } from '../../db/schema/slim.ts';
import { feedRecordOf, type FeedRecord } from './records.ts';

/** What the error column keeps of a fetch failure: enough to diagnose, bounded so a huge message cannot bloat the row. */
const LAST_ERROR_CHARS_MAX = 1_000;

export type NewFeed = Pick<FeedRecord, 'id' | 'ownerKeyId' | 'name' | 'category' | 'assetId' | 'source' | 'schedule' | 'quality'> & {
  now: Date;
  /** EasyPost tracker feeds: the webhook secret, stored with the feed so no feed ever exists without it. */
  webhookSecret?: string;
};

export type FeedChanges = Partial<Pick<FeedRecord, 'status' | 'schedule' | 'quality'>>;

export class FeedRepository {
  constructor(private readonly db: Database) {}

  async insert(feed: NewFeed): Promise<FeedRecord> {
    const [row] = await this.db
      .insert(feeds)
      .values({
        id: feed.id,
        ownerKeyId: feed.ownerKeyId,
        name: feed.name,
        category: feed.category,
        assetId: feed.assetId,
        source: feed.source,
        schedule: feed.schedule,
        quality: feed.quality,
        status: 'active',
        pushSecret: feed.webhookSecret ?? null,
        createdAt: feed.now,
        updatedAt: feed.now,
      })
      .returning();
    if (row === undefined) throw new Error('insert into feeds returned no row');
    return feedRecordOf(row);
  }

  async get(id: string): Promise<FeedRecord | null> {
    const [row] = await this.db.select().from(feeds).where(eq(feeds.id, id)).limit(1);
    return row === undefined ? null : feedRecordOf(row);
  }

  /** Oldest first; `ownerKeyId` restricts to one owner's feeds. */
  async list(filter: { ownerKeyId?: string; limit: number }): Promise<FeedRecord[]> {
    const rows = await this.db
      .select()
      .from(feeds)
      .where(filter.ownerKeyId === undefined ? undefined : eq(feeds.ownerKeyId, filter.ownerKeyId))
      .orderBy(asc(feeds.createdAt), asc(feeds.id))
      .limit(filter.limit);
    return rows.map(feedRecordOf);
  }

  async listActive(): Promise<FeedRecord[]> {
    const rows = await this.db.select().from(feeds).where(eq(feeds.status, 'active')).orderBy(asc(feeds.createdAt));
    return rows.map(feedRecordOf);
  }

  async update(id: string, changes: FeedChanges, now: Date): Promise<FeedRecord | null> {
    const [row] = await this.db
      .update(feeds)
      .set({ ...changes, updatedAt: now })
      .where(eq(feeds.id, id))
      .returning();
    return row === undefined ? null : feedRecordOf(row);
  }

  async recordFetchError(id: string, message: string, now: Date): Promise<void> {
    await this.db
      .update(feeds)
      .set({
        fetchErrorCount: sql`${feeds.fetchErrorCount} + 1`,
        lastError: message.slice(0, LAST_ERROR_CHARS_MAX),
        updatedAt: now,
      })
      .where(eq(feeds.id, id));
  }

  /** Counts a fetch whose new data the schedule did not publish (deviation and heartbeat). */
  async recordSkip(id: string): Promise<void> {
    await this.db
      .update(feeds)
      .set({ skippedCount: sql`${feeds.skippedCount} + 1` })
      .where(eq(feeds.id, id));
  }

  async counts(): Promise<{ feeds: number; activeFeeds: number }> {
    const [all] = await this.db.select({ n: count() }).from(feeds);
    const [active] = await this.db.select({ n: count() }).from(feeds).where(eq(feeds.status, 'active'));
    return { feeds: all?.n ?? 0, activeFeeds: active?.n ?? 0 };
  }
}
