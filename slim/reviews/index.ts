import type { Principal } from '../../runtime/cluster-auth.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Category, ReviewAuditRecord, ReviewContext, ReviewDecisionBody, ReviewItem, ReviewStatus } from '../../schemas/index.ts';
import type { Clock } from '../clock.ts';
import type { SlimStorage } from '../storage/index.ts';

/**
 * The review queue: observations the chain did not accept wait here for a reviewer. The
 * gateway lets only reviewers (and admins) in; every decision is recorded with who and why.
 */
export class ReviewService {
  constructor(
    private readonly deps: {
      storage: SlimStorage;
      clock: Clock;
      /** An approval wrote a channel event. */
      onPublished: () => void;
    },
  ) {}

  list(filter: { status?: ReviewStatus | undefined; feedId?: string | undefined; category?: Category | undefined; limit: number }): Promise<ReviewItem[]> {
    const query: { status?: ReviewStatus; feedId?: string; category?: Category; limit: number } = { limit: filter.limit };
    if (filter.status !== undefined) query.status = filter.status;
    if (filter.feedId !== undefined) query.feedId = filter.feedId;
    if (filter.category !== undefined) query.category = filter.category;
    return this.deps.storage.reviews.list(query);
  }

  /** What the reviewer weighs the item against: its feed's recent values, the other sources of its asset. */
  async context(id: string): Promise<ReviewContext> {
    return this.deps.storage.reviews.context(await this.get(id));
  }

  auditTrail(limit: number): Promise<ReviewAuditRecord[]> {
    return this.deps.storage.reviews.auditTrail(limit);
  }

  async get(id: string): Promise<ReviewItem> {
    const item = await this.deps.storage.reviews.get(id);
    if (item === null) throw new AppError('REVIEW_NOT_FOUND', `no review item ${id}`);
    return item;
  }

  async decide(principal: Principal, id: string, body: ReviewDecisionBody): Promise<ReviewItem> {
    const { item, publishedEventId } = await this.deps.storage.reviews.decide({
      reviewId: id,
      decision: body.decision,
      reviewer: principal.id,
      reason: body.reason,
      now: this.deps.clock.now(),
    });
    if (publishedEventId !== null) this.deps.onPublished();
    return item;
  }
}
