import { z } from 'zod';
import { Category } from './common.ts';

/** The eight scored checks, in chain order; the ninth step is the weighted score itself. */
export const CHECK_NAMES = [
  'completeness',
  'format',
  'range',
  'consistency',
  'source_verification',
  'freshness',
  'uniqueness',
  'referential_integrity',
] as const;
export const CheckName = z.enum(CHECK_NAMES);
export type CheckName = z.infer<typeof CheckName>;

export const CheckResult = z.object({
  check: z.union([CheckName, z.literal('quality_score')]),
  score: z.number().min(0).max(1),
  reason: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const Decision = z.enum(['accepted', 'review', 'rejected']);
export type Decision = z.infer<typeof Decision>;

export const QualityWeights = z.partialRecord(CheckName, z.number().min(0).max(100));
export type QualityWeights = z.infer<typeof QualityWeights>;

/** The deployment's weights per category (QUALITY_WEIGHTS); feeds may override them. */
export const QualityWeightsByCategory = z.partialRecord(Category, QualityWeights);
export type QualityWeightsByCategory = z.infer<typeof QualityWeightsByCategory>;

export const QualityThresholds = z
  .object({ accept: z.number().min(0).max(1), review: z.number().min(0).max(1) })
  .refine((t) => t.review <= t.accept, { message: 'review threshold must not exceed accept threshold' });
export type QualityThresholds = z.infer<typeof QualityThresholds>;

export const QualityReport = z.object({
  category: Category,
  /** Nine entries: the eight checks followed by the weighted quality score. */
  checks: z.array(CheckResult).length(9),
  score: z.number().min(0).max(1),
  decision: Decision,
  weights: z.record(CheckName, z.number()),
  thresholds: z.object({ accept: z.number(), review: z.number() }),
  evaluatedAt: z.iso.datetime({ offset: true }),
});
export type QualityReport = z.infer<typeof QualityReport>;
