import { z } from 'zod';
import { Category, Identifier, IsoTimestamp } from './common.ts';
import { Observation } from './observation.ts';
import { QualityReport } from './quality.ts';

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
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const ReviewDecisionBody = z.object({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().min(3, 'give a reason of at least 3 characters').max(2000),
});
export type ReviewDecisionBody = z.infer<typeof ReviewDecisionBody>;
