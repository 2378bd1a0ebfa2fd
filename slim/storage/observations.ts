import { and, desc, eq, gte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { feeds, observations, reviews } from '../../db/schema/slim.ts';
import type { Decision, Observation, QualityReport } from '../../schemas/index.ts';
import { channelEventOf } from '../channel/event.ts';
import { appendChannelEvent } from './outbox.ts';
import { insertQueuedReview } from './reviews.ts';

/** How much history the quality context sees: enough for a robust median, small enough to read on every evaluation. */
export const HISTORY_VALUES_MAX = 50;
export const HISTORY_HASHES_MAX = 50;

export interface FeedHistory {
  /** Values of recent accepted or approved observations, newest last. */
  values: number[];
  lastObservedAt: string | null;
  recentContentHashes: string[];
}

/** How many peer feeds cross-source agreement sees: a median of 20 is robust, and the read stays small. */
export const PEERS_MAX = 20;

/** Which peers to look for: other feeds of the same asset, category and unit, published since `since`. */
export interface PeerQuery {
  feedId: string;
  assetId: string;
  category: string;
  unit: string;
  since: Date;
  /** At most this many peers (capped at PEERS_MAX). */
  limit?: number;
}

export interface PeerRow {
  feedId: string;
  value: number;
  observedAt: string;
}

export interface EvaluationToRecord {
  observationId: string;
  /** Only used when the chain sends the observation to the queue. */
  reviewId: string;
  observation: Observation;
  report: QualityReport;
  contentHash: string;
  /** Audit reason of the 'queued' entry when the observation goes to review. */
  queuedReason: string;
  now: Date;
}

export interface RecordedEvaluation {
  observationId: string;
  decision: Decision;
  score: number;
  /** Set when the observation went to the channel outbox. */
  eventId: string | null;
  /** Set when the observation went to the review queue. */
  reviewId: string | null;
}

export class ObservationRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records one evaluated observation in one transaction: the observation with its report,
   * the feed's counters, and either its channel event (accepted) or its review item.
   * Either all of it happens or none, so the outbox never holds an event for an unrecorded
   * observation and the queue never misses one.
   */
  async record(e: EvaluationToRecord): Promise<RecordedEvaluation> {
    const decision = e.report.decision;
    const feedId = e.observation.feedId;
    return this.db.transaction(async (tx) => {
      await tx.insert(observations).values({
        id: e.observationId,
        feedId,
        observedAt: new Date(e.observation.observedAt),
        value: e.observation.value,
        contentHash: e.contentHash,
        observation: e.observation,
        report: e.report,
        decision,
        createdAt: e.now,
      });
      await tx
        .update(feeds)
        .set({
          acceptedCount: decision === 'accepted' ? sql`${feeds.acceptedCount} + 1` : feeds.acceptedCount,
          reviewCount: decision === 'review' ? sql`${feeds.reviewCount} + 1` : feeds.reviewCount,
          rejectedCount: decision === 'rejected' ? sql`${feeds.rejectedCount} + 1` : feeds.rejectedCount,
          lastScore: e.report.score,
          lastDecision: decision,
          lastObservation: e.observation,
          updatedAt: e.now,
        })
        .where(eq(feeds.id, feedId));
      if (decision === 'accepted') {
        const event = channelEventOf(e.observationId, e.observation, e.report, e.now);
        await appendChannelEvent(tx, event, e.now);
        return { observationId: e.observationId, decision, score: e.report.score, eventId: event.id, reviewId: null };
      }
      await insertQueuedReview(tx, {
        reviewId: e.reviewId,
        observationId: e.observationId,
        feedId,
        category: e.observation.category,
        qualityDecision: decision,
        score: e.report.score,
        reason: e.queuedReason,
        now: e.now,
      });
      return { observationId: e.observationId, decision, score: e.report.score, eventId: null, reviewId: e.reviewId };
    });
  }

  /** What the quality chain needs to know of a feed's past (bounded reads on the (feed, observed_at) index). */
  async history(feedId: string): Promise<FeedHistory> {
    const published = await this.db
      .select({ value: observations.value })
      .from(observations)
      .leftJoin(reviews, eq(reviews.observationId, observations.id))
      .where(and(eq(observations.feedId, feedId), or(eq(observations.decision, 'accepted'), eq(reviews.status, 'approved'))))
      .orderBy(desc(observations.observedAt))
      .limit(HISTORY_VALUES_MAX);
    const recent = await this.db
      .select({ observedAt: observations.observedAt, contentHash: observations.contentHash })
      .from(observations)
      .where(eq(observations.feedId, feedId))
      .orderBy(desc(observations.observedAt))
      .limit(HISTORY_HASHES_MAX);
    return {
      values: published.map((r) => r.value).reverse(),
      lastObservedAt: recent[0]?.observedAt.toISOString() ?? null,
      recentContentHashes: recent.map((r) => r.contentHash).reverse(),
    };
  }

  /**
   * Cross-source peers: for each other feed of the same asset and category, its newest accepted or
   * approved observation in the same unit observed at or after `since`; the newest PEERS_MAX of
   * those. One statement: the feeds of the asset, then per feed a lateral read of the
   * (feed, observed_at) index from the newest row down, bounded by the freshness window.
   */
  async peers(q: PeerQuery): Promise<PeerRow[]> {
    const limit = Math.max(0, Math.min(q.limit ?? PEERS_MAX, PEERS_MAX));
    if (limit === 0) return [];
    const latest = this.db
      .select({ value: observations.value, observedAt: observations.observedAt })
      .from(observations)
      .leftJoin(reviews, eq(reviews.observationId, observations.id))
      .where(
        and(
          eq(observations.feedId, feeds.id),
          gte(observations.observedAt, q.since),
          or(eq(observations.decision, 'accepted'), eq(reviews.status, 'approved')),
          sql`${observations.observation}->>'unit' = ${q.unit}`,
        ),
      )
      .orderBy(desc(observations.observedAt))
      .limit(1)
      .as('latest');
    const rows = await this.db
      .select({ feedId: feeds.id, value: latest.value, observedAt: latest.observedAt })
      .from(feeds)
      .innerJoinLateral(latest, sql`true`)
      .where(and(eq(feeds.assetId, q.assetId), eq(feeds.category, q.category), ne(feeds.id, q.feedId)))
      .orderBy(desc(latest.observedAt))
      .limit(limit);
    return rows.map((r) => ({ feedId: r.feedId, value: r.value, observedAt: r.observedAt.toISOString() }));
  }
}
