import { and, desc, eq, inArray, ne } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { feeds, observations, reviewAudit, reviews } from '../../db/schema/slim.ts';
import { z } from 'zod';
import { Decision, type ReviewAuditRecord, type ReviewContext, type ReviewItem } from '../../schemas/index.ts';
import { ObservationRepository } from './observations.ts';

/** How many of a feed's recent observations a reviewer sees beside an item: enough for a trend, one small read. */
export const REVIEW_HISTORY_MAX = 50;
/** How many other sources of the asset a reviewer sees. */
export const REVIEW_OTHER_SOURCES_MAX = 20;

/** Only the adapter's name is shown: the source's parameters may hold what a reviewer need not see. */
const SourceAdapter = z.object({ adapter: z.string() });

/** Actions that are a reviewer's decision (the chain's own 'queued' entries are not). */
const DECISION_ACTIONS = ['approved', 'rejected'];

/**
 * What a reviewer weighs an item against: the feed's recent values (whatever the chain decided,
 * so the item's own neighbours show) and the newest value of every other source of the same asset.
 */
export async function reviewContextOf(db: Database, item: ReviewItem): Promise<ReviewContext> {
  const own = await db.select({ observationId: reviews.observationId }).from(reviews).where(eq(reviews.id, item.id)).limit(1);
  const recent = await db
    .select({ id: observations.id, observedAt: observations.observedAt, value: observations.value, decision: observations.decision })
    .from(observations)
    .where(eq(observations.feedId, item.feedId))
    .orderBy(desc(observations.observedAt))
    .limit(REVIEW_HISTORY_MAX);
  // Any age: a reviewer compares with what the other sources last said, however old (the dates show it).
  const peers = await new ObservationRepository(db).peers({
    feedId: item.feedId,
    assetId: item.observation.assetId,
    category: item.category,
    unit: item.observation.unit,
    since: new Date(0),
    limit: REVIEW_OTHER_SOURCES_MAX,
  });
  const described =
    peers.length === 0
      ? []
      : await db
          .select({ id: feeds.id, name: feeds.name, source: feeds.source })
          .from(feeds)
          .where(
            and(
              inArray(
                feeds.id,
                peers.map((p) => p.feedId),
              ),
              ne(feeds.id, item.feedId),
            ),
          );
  const byId = new Map(described.map((f) => [f.id, f]));
  return {
    reviewId: item.id,
    feedId: item.feedId,
    assetId: item.observation.assetId,
    observationId: own[0]?.observationId ?? '',
    history: recent.reverse().map((r) => ({ observationId: r.id, observedAt: r.observedAt.toISOString(), value: r.value, decision: Decision.parse(r.decision) })),
    otherSources: peers.flatMap((p) => {
      const feed = byId.get(p.feedId);
      if (feed === undefined) return [];
      return [{ feedId: p.feedId, name: feed.name, adapter: SourceAdapter.parse(feed.source).adapter, value: p.value, observedAt: p.observedAt }];
    }),
  };
}

/** The newest reviewer decisions across the whole queue, with the feed each was about. */
export async function reviewAuditTrail(db: Database, limit: number): Promise<ReviewAuditRecord[]> {
  const rows = await db
    .select({ reviewId: reviewAudit.reviewId, feedId: reviews.feedId, action: reviewAudit.action, actor: reviewAudit.actor, reason: reviewAudit.reason, at: reviewAudit.at })
    .from(reviewAudit)
    .innerJoin(reviews, eq(reviews.id, reviewAudit.reviewId))
    .where(inArray(reviewAudit.action, DECISION_ACTIONS))
    .orderBy(desc(reviewAudit.seq))
    .limit(limit);
  return rows.map((r) => ({
    reviewId: r.reviewId,
    feedId: r.feedId,
    action: r.action === 'rejected' ? 'rejected' : 'approved',
    actor: r.actor,
    reason: r.reason,
    at: r.at.toISOString(),
  }));
}
