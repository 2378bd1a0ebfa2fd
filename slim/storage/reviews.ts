import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { observations, reviewAudit, reviews } from '../../db/schema/slim.ts';
import {
  Observation,
  QualityReport,
  ReviewAuditEntry,
  type Approval,
  type Category,
  type ReviewAuditRecord,
  type ReviewContext,
  type ReviewItem,
  type ReviewStatus,
} from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import { appendChannelEvents } from './outbox.ts';
import { channelEventOf } from '../channel/event.ts';
import { reviewAuditTrail, reviewContextOf } from './review-context.ts';

export interface QueuedReview {
  reviewId: string;
  observationId: string;
  feedId: string;
  category: Category;
  qualityDecision: 'review' | 'rejected';
  score: number;
  /** Why the chain queued it, for the audit trail. */
  reason: string;
  now: Date;
}

/** Who queued an item: the chain itself, not a person. */
export const QUALITY_CHAIN_ACTOR = 'quality-chain';

/** Queues observations for review, each with its first audit entry; called inside the recording transaction. */
export async function insertQueuedReviews(tx: Database, items: readonly QueuedReview[]): Promise<void> {
  if (items.length === 0) return;
  await tx.insert(reviews).values(
    items.map((item) => ({
      id: item.reviewId,
      observationId: item.observationId,
      feedId: item.feedId,
      category: item.category,
      status: 'pending',
      qualityDecision: item.qualityDecision,
      score: item.score,
      createdAt: item.now,
    })),
  );
  await tx.insert(reviewAudit).values(
    items.map((item) => ({ reviewId: item.reviewId, action: 'queued', actor: QUALITY_CHAIN_ACTOR, reason: item.reason, at: item.now })),
  );
}

export interface ReviewDecision {
  reviewId: string;
  decision: 'approve' | 'reject';
  reviewer: string;
  reason: string;
  now: Date;
}

const reviewColumns = {
  id: reviews.id,
  feedId: reviews.feedId,
  category: reviews.category,
  status: reviews.status,
  qualityDecision: reviews.qualityDecision,
  score: reviews.score,
  createdAt: reviews.createdAt,
  decidedAt: reviews.decidedAt,
  observation: observations.observation,
  report: observations.report,
};

type ReviewRow = {
  id: string;
  feedId: string;
  category: string;
  status: string;
  qualityDecision: string;
  score: number;
  createdAt: Date;
  decidedAt: Date | null;
  observation: unknown;
  report: unknown;
};

export class ReviewRepository {
  constructor(private readonly db: Database) {}

  /** Oldest first: the queue is worked in arrival order. */
  async list(filter: { status?: ReviewStatus; feedId?: string; category?: Category; limit: number }): Promise<ReviewItem[]> {
    const conditions = [
      filter.status === undefined ? undefined : eq(reviews.status, filter.status),
      filter.feedId === undefined ? undefined : eq(reviews.feedId, filter.feedId),
      filter.category === undefined ? undefined : eq(reviews.category, filter.category),
    ];
    const rows = await this.db
      .select(reviewColumns)
      .from(reviews)
      .innerJoin(observations, eq(observations.id, reviews.observationId))
      // The 'queued' entry's sequence number breaks ties between items queued in the same millisecond.
      .innerJoin(reviewAudit, and(eq(reviewAudit.reviewId, reviews.id), eq(reviewAudit.action, 'queued')))
      .where(and(...conditions))
      .orderBy(asc(reviews.createdAt), asc(reviewAudit.seq))
      .limit(filter.limit);
    return this.withAudit(this.db, rows);
  }

  async get(id: string): Promise<ReviewItem | null> {
    return getReview(this.db, id);
  }

  /** The item's feed history and the other sources of its asset (see review-context.ts). */
  context(item: ReviewItem): Promise<ReviewContext> {
    return reviewContextOf(this.db, item);
  }

  /** The newest reviewer decisions, across every item. */
  auditTrail(limit: number): Promise<ReviewAuditRecord[]> {
    return reviewAuditTrail(this.db, limit);
  }

  /**
   * Decides a pending item in one transaction: the status flip (only from pending, so two
   * reviewers racing cannot both win), the audit entry, and on approval the channel event.
   */
  async decide(decision: ReviewDecision): Promise<{ item: ReviewItem; publishedEventId: string | null }> {
    return this.db.transaction(async (tx) => {
      const status = decision.decision === 'approve' ? 'approved' : 'rejected';
      const updated = await tx
        .update(reviews)
        .set({ status, decidedAt: decision.now })
        .where(and(eq(reviews.id, decision.reviewId), eq(reviews.status, 'pending')))
        .returning({ observationId: reviews.observationId });
      const observationId = updated[0]?.observationId;
      if (observationId === undefined) {
        const existing = await getReview(tx, decision.reviewId);
        if (existing === null) throw new AppError('REVIEW_NOT_FOUND', `no review item ${decision.reviewId}`);
        throw new AppError('REVIEW_ALREADY_DECIDED', `review item ${decision.reviewId} was already ${existing.status}`, {
          details: { status: existing.status, decidedAt: existing.decidedAt },
        });
      }
      await tx.insert(reviewAudit).values({
        reviewId: decision.reviewId,
        action: status,
        actor: decision.reviewer,
        reason: decision.reason,
        at: decision.now,
      });
      const item = await getReview(tx, decision.reviewId);
      if (item === null) throw new Error(`review ${decision.reviewId} vanished inside its own transaction`);
      if (status === 'rejected') return { item, publishedEventId: null };
      const approval: Approval = {
        reviewId: item.id,
        reviewer: decision.reviewer,
        reason: decision.reason,
        decidedAt: decision.now.toISOString(),
      };
      const event = channelEventOf(observationId, item.observation, item.quality, decision.now, approval);
      await appendChannelEvents(tx, [{ event, now: decision.now }]);
      return { item, publishedEventId: event.id };
    });
  }

  private async withAudit(db: Database, rows: ReviewRow[]): Promise<ReviewItem[]> {
    if (rows.length === 0) return [];
    const audits = await db
      .select()
      .from(reviewAudit)
      .where(
        inArray(
          reviewAudit.reviewId,
          rows.map((r) => r.id),
        ),
      )
      .orderBy(asc(reviewAudit.seq));
    const byReview = new Map<string, ReviewAuditEntry[]>();
    for (const a of audits) {
      const entry = ReviewAuditEntry.parse({ action: a.action, actor: a.actor, reason: a.reason, at: a.at.toISOString() });
      const list = byReview.get(a.reviewId) ?? [];
      list.push(entry);
      byReview.set(a.reviewId, list);
    }
    return rows.map((r) => reviewItemOf(r, byReview.get(r.id) ?? []));
  }
}

async function getReview(db: Database, id: string): Promise<ReviewItem | null> {
  const rows = await db
    .select(reviewColumns)
    .from(reviews)
    .innerJoin(observations, eq(observations.id, reviews.observationId))
    .where(eq(reviews.id, id))
    .limit(1);
  const row = rows[0];
  if (row === undefined) return null;
  const audits = await db.select().from(reviewAudit).where(eq(reviewAudit.reviewId, id)).orderBy(asc(reviewAudit.seq));
  return reviewItemOf(
    row,
    audits.map((a) => ReviewAuditEntry.parse({ action: a.action, actor: a.actor, reason: a.reason, at: a.at.toISOString() })),
  );
}

function reviewItemOf(row: ReviewRow, audit: ReviewAuditEntry[]): ReviewItem {
  const observation = Observation.parse(row.observation);
  return {
    id: row.id,
    feedId: row.feedId,
    category: observation.category,
    status: parseStatus(row.status),
    qualityDecision: row.qualityDecision === 'rejected' ? 'rejected' : 'review',
    score: row.score,
    observation,
    quality: QualityReport.parse(row.report),
    createdAt: row.createdAt.toISOString(),
    decidedAt: row.decidedAt === null ? null : row.decidedAt.toISOString(),
    audit,
  };
}

function parseStatus(s: string): ReviewStatus {
  if (s === 'pending' || s === 'approved' || s === 'rejected') return s;
  throw new Error(`review row with unknown status ${s}`);
}
