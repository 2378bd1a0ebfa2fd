import { and, desc, eq, gte, ne, or, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { feeds, observations, reviews } from '../../db/schema/slim.ts';
import type { ChannelEvent, Decision, Observation, QualityReport } from '../../schemas/index.ts';
import { channelEventOf } from '../channel/event.ts';
import { compareNumbers, sortedFinite } from '../quality/consistency.ts';
import { isoOfMs } from '../quality/timestamps.ts';
import { appendChannelEvents } from './outbox.ts';
import { insertQueuedReviews, type QueuedReview } from './reviews.ts';

/** How much history the quality context sees: enough for a robust median, small enough to read on every evaluation. */
export const HISTORY_VALUES_MAX = 50;
export const HISTORY_HASHES_MAX = 50;

export interface FeedHistory {
  /** Values of recent accepted or approved observations, newest last. */
  values: number[];
  /** The finite ones of `values`, ascending (what the spike test reads). */
  sortedValues: number[];
  lastObservedAt: string | null;
  recentContentHashes: string[];
  /**
   * The same hashes as a lookup (with how often each occurs), which uniqueness asks: the window's own,
   * kept in step as it moves, not a copy. Read it before the window moves on (as an evaluation does).
   */
  seenContentHashes: ReadonlyMap<string, number>;
}

/**
 * The rows a feed's history is made of, newest first: what `history` reads, kept with their source
 * timestamps so a batch can add its own readings in the order the table would return them.
 */
export interface HistoryWindow {
  /** Accepted or approved observations, at most HISTORY_VALUES_MAX. */
  published: Array<{ observedAtMs: number; value: number }>;
  /** The finite values of `published`, ascending: kept in step with it, so no evaluation sorts them. */
  publishedSorted: number[];
  /** Every recorded observation, at most HISTORY_HASHES_MAX. */
  recent: Array<{ observedAtMs: number; contentHash: string }>;
  /** How often each content hash occurs in `recent`: kept in step with it, so no evaluation scans it. */
  recentHashCounts: Map<string, number>;
}

/** A window of rows as read (newest first), with the sorted values and hash counts derived from them. */
export function historyWindowOf(published: HistoryWindow['published'], recent: HistoryWindow['recent']): HistoryWindow {
  const recentHashCounts = new Map<string, number>();
  for (const r of recent) countHash(recentHashCounts, r.contentHash, 1);
  return { published, publishedSorted: sortedFinite(published.map((r) => r.value)), recent, recentHashCounts };
}

function countHash(counts: Map<string, number>, hash: string, by: 1 | -1): void {
  const n = (counts.get(hash) ?? 0) + by;
  if (n > 0) counts.set(hash, n);
  else counts.delete(hash);
}

/** The quality context's view of a history window (newest last, as the chain expects). */
export function feedHistoryOf(w: HistoryWindow): FeedHistory {
  const values = new Array<number>(w.published.length);
  for (let i = 0; i < w.published.length; i++) values[w.published.length - 1 - i] = (w.published[i] as { value: number }).value;
  const recentContentHashes = new Array<string>(w.recent.length);
  for (let i = 0; i < w.recent.length; i++) recentContentHashes[w.recent.length - 1 - i] = (w.recent[i] as { contentHash: string }).contentHash;
  const newest = w.recent[0];
  return {
    values,
    sortedValues: w.publishedSorted.slice(),
    lastObservedAt: newest === undefined ? null : isoOfMs(newest.observedAtMs),
    recentContentHashes,
    seenContentHashes: w.recentHashCounts,
  };
}

/**
 * Adds a just-evaluated observation to a window, in place, as recording it and reading the history
 * again would: by source timestamp (a tie goes first, one of the orders the table may return),
 * bounded like the reads. Only an accepted observation is published: a queued one is not approved yet.
 */
export function addToHistoryWindow(w: HistoryWindow, o: { observedAtMs: number; value: number; contentHash: string; published: boolean }): void {
  const recentRow = { observedAtMs: o.observedAtMs, contentHash: o.contentHash };
  const evictedRecent = insertNewestFirst(w.recent, recentRow, HISTORY_HASHES_MAX);
  if (evictedRecent !== recentRow) {
    countHash(w.recentHashCounts, o.contentHash, 1);
    if (evictedRecent !== undefined) countHash(w.recentHashCounts, evictedRecent.contentHash, -1);
  }
  if (!o.published) return;
  const row = { observedAtMs: o.observedAtMs, value: o.value };
  const evicted = insertNewestFirst(w.published, row, HISTORY_VALUES_MAX);
  if (evicted === row) return; // older than the whole full window: not part of it
  addSorted(w.publishedSorted, o.value);
  if (evicted !== undefined) removeSorted(w.publishedSorted, evicted.value);
}

/** Inserts `row` by source timestamp; answers the row that fell off the end (`row` itself when it never got in). */
function insertNewestFirst<T extends { observedAtMs: number }>(rows: T[], row: T, max: number): T | undefined {
  let at = 0;
  while (at < rows.length && (rows[at] as T).observedAtMs > row.observedAtMs) at++;
  if (at >= max) return row;
  rows.splice(at, 0, row);
  return rows.length > max ? rows.pop() : undefined;
}

/** Index of the first element of `sorted` (ascending as compareNumbers orders) not below `v`. */
function lowerBound(sorted: readonly number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareNumbers(sorted[mid] as number, v) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function addSorted(sorted: number[], v: number): void {
  if (Number.isFinite(v)) sorted.splice(lowerBound(sorted, v), 0, v);
}

function removeSorted(sorted: number[], v: number): void {
  if (!Number.isFinite(v)) return;
  const at = lowerBound(sorted, v);
  // Present by construction (it was added with its row); checked so a bug cannot remove another value.
  if (!Object.is(sorted[at], v)) throw new Error(`history window out of step: ${v} is not among its sorted values`);
  sorted.splice(at, 1);
}

/** How many observations one `recordBatch` writes at most: a push body's 100 readings fit, and one statement stays small. */
export const RECORD_BATCH_MAX = 1_000;

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

  /** Records one evaluated observation: `recordBatch` of one. */
  async record(e: EvaluationToRecord): Promise<RecordedEvaluation> {
    const [recorded] = await this.recordBatch([e]);
    if (recorded === undefined) throw new Error('recordBatch of one recorded nothing');
    return recorded;
  }

  /**
   * Records evaluated observations of one feed in one transaction: the observations with their
   * reports, their channel events (accepted) or review items with their 'queued' audit entries,
   * and the feed's counters and last observation (that of the last item). Either all of it happens
   * or none, so the outbox never holds an event for an unrecorded observation and the queue never
   * misses one. One multi-row statement per table, in the items' order, so outbox sequence numbers
   * follow the readings.
   */
  async recordBatch(items: readonly EvaluationToRecord[]): Promise<RecordedEvaluation[]> {
    if (items.length === 0) return [];
    if (items.length > RECORD_BATCH_MAX) throw new RangeError(`recordBatch takes at most ${RECORD_BATCH_MAX} observations, got ${items.length}`);
    const last = items[items.length - 1] as EvaluationToRecord;
    const feedId = last.observation.feedId;
    if (items.some((e) => e.observation.feedId !== feedId)) throw new RangeError('recordBatch records the observations of one feed');

    const recorded: RecordedEvaluation[] = [];
    const events: Array<{ event: ChannelEvent; now: Date }> = [];
    const queued: QueuedReview[] = [];
    const counts = { accepted: 0, review: 0, rejected: 0 };
    for (const e of items) {
      const decision = e.report.decision;
      counts[decision]++;
      if (decision === 'accepted') {
        const event = channelEventOf(e.observationId, e.observation, e.report, e.now);
        events.push({ event, now: e.now });
        recorded.push({ observationId: e.observationId, decision, score: e.report.score, eventId: event.id, reviewId: null });
      } else {
        queued.push({
          reviewId: e.reviewId,
          observationId: e.observationId,
          feedId,
          category: e.observation.category,
          qualityDecision: decision,
          score: e.report.score,
          reason: e.queuedReason,
          now: e.now,
        });
        recorded.push({ observationId: e.observationId, decision, score: e.report.score, eventId: null, reviewId: e.reviewId });
      }
    }

    await this.db.transaction(async (tx) => {
      await tx.insert(observations).values(
        items.map((e) => ({
          id: e.observationId,
          feedId,
          observedAt: new Date(e.observation.observedAt),
          value: e.observation.value,
          contentHash: e.contentHash,
          observation: e.observation,
          report: e.report,
          decision: e.report.decision,
          createdAt: e.now,
        })),
      );
      await tx
        .update(feeds)
        .set({
          acceptedCount: counts.accepted > 0 ? sql`${feeds.acceptedCount} + ${counts.accepted}` : feeds.acceptedCount,
          reviewCount: counts.review > 0 ? sql`${feeds.reviewCount} + ${counts.review}` : feeds.reviewCount,
          rejectedCount: counts.rejected > 0 ? sql`${feeds.rejectedCount} + ${counts.rejected}` : feeds.rejectedCount,
          lastScore: last.report.score,
          lastDecision: last.report.decision,
          lastObservation: last.observation,
          updatedAt: last.now,
        })
        .where(eq(feeds.id, feedId));
      await appendChannelEvents(tx, events);
      await insertQueuedReviews(tx, queued);
    });
    return recorded;
  }

  /** What the quality chain needs to know of a feed's past (bounded reads on the (feed, observed_at) index). */
  async history(feedId: string): Promise<FeedHistory> {
    return feedHistoryOf(await this.historyWindow(feedId));
  }

  /** The rows behind `history`, newest first, with their source timestamps. */
  async historyWindow(feedId: string): Promise<HistoryWindow> {
    const published = await this.db
      .select({ observedAt: observations.observedAt, value: observations.value })
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
    // A fresh read sorts and counts once; readings added later are inserted in place.
    return historyWindowOf(
      published.map((r) => ({ observedAtMs: r.observedAt.getTime(), value: r.value })),
      recent.map((r) => ({ observedAtMs: r.observedAt.getTime(), contentHash: r.contentHash })),
    );
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
