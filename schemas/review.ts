import { z } from 'zod';
import { Category, Identifier, IsoTimestamp } from './common.ts';
import { Observation } from './observation.ts';
import { Decision, QualityReport } from './quality.ts';

export const ReviewStatus = z.enum(['pending', 'approved', 'rejected']);
export type ReviewStatus = z.infer<typeof ReviewStatus>;

export const ReviewAuditEntry = z.object({
  action: z.enum(['queued', 'approved', 'rejected']),
  actor: z.string(),
  reason: z.string(),
  at: IsoTimestamp,
});
export type ReviewAuditEntry = z.infer<typeof ReviewAuditEntry>;

export const ReviewItem = z.object({
  id: z.string(),
  feedId: Identifier,
  category: Category,
  status: ReviewStatus,
  /** What the quality chain decided: `review` (0.60–0.79) or `rejected` (< 0.60). */
  qualityDecision: z.enum(['review', 'rejected']),
  score: z.number(),
  observation: Observation,
  quality: QualityReport,
  createdAt: IsoTimestamp,
  decidedAt: IsoTimestamp.nullable(),
  audit: z.array(ReviewAuditEntry),
});
export type ReviewItem = z.infer<typeof ReviewItem>;

export const ReviewListQuery = z.object({
  status: ReviewStatus.optional(),
  feedId: Identifier.optional(),
  category: Category.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ReviewDecisionBody = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().min(3, 'give a reason of at least 3 characters').max(2000),
});
export type ReviewDecisionBody = z.infer<typeof ReviewDecisionBody>;

/** What a reviewer weighs an item against: its feed's recent values and the other sources of its asset. */
export const ReviewContext = z.object({
  reviewId: z.string(),
  feedId: Identifier,
  assetId: Identifier,
  /** The item's own observation, as `history` names it. */
  observationId: z.string(),
  /** The feed's recent observations, oldest first, whatever the chain decided (the item's own among them). */
  history: z.array(z.object({ observationId: z.string(), observedAt: IsoTimestamp, value: z.number(), decision: Decision })),
  /** Other feeds of the same asset and category: their newest accepted or approved value in the item's unit. */
  otherSources: z.array(z.object({ feedId: Identifier, name: z.string(), adapter: z.string(), value: z.number(), observedAt: IsoTimestamp })),
});
export type ReviewContext = z.infer<typeof ReviewContext>;

export const ReviewAuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** One decision of the audit trail, newest first across the whole queue. */
export const ReviewAuditRecord = ReviewAuditEntry.extend({ reviewId: z.string(), feedId: Identifier });
export type ReviewAuditRecord = z.infer<typeof ReviewAuditRecord>;
