import { CHECK_NAMES, type Category, type CheckName, type CheckResult, type Observation, type QualityReport } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import { checkCompleteness } from './completeness.ts';
import { checkConsistency } from './consistency.ts';
import type { QualityContext, QualityStep } from './context.ts';
import { inspectFormat, isCategory } from './format.ts';
import { checkFreshness } from './freshness.ts';
import { checkRange } from './range.ts';
import { checkReferentialIntegrity } from './referential-integrity.ts';
import { checkResult } from './result.ts';
import { scoreChecks } from './score.ts';
import { checkSourceVerification } from './source-verification.ts';
import { checkUniqueness } from './uniqueness.ts';

/** The steps that need a typed observation, in chain order (completeness and format read raw input). */
const TYPED_STEPS: ReadonlyArray<readonly [CheckName, QualityStep]> = [
  ['range', checkRange],
  ['consistency', checkConsistency],
  ['source_verification', checkSourceVerification],
  ['freshness', checkFreshness],
  ['uniqueness', checkUniqueness],
  ['referential_integrity', checkReferentialIntegrity],
];

/**
 * Runs the nine steps over one observation, which may be untrusted input (push mode): nothing in
 * here throws for bad data. When the input cannot be read as an observation, completeness and
 * format still say what is wrong and every other step scores 0 ('unreadable observation'), so the
 * caller always gets a full report to store and show a reviewer. Pure: the clock is `ctx.now`.
 */
export function runQualityChain(input: Observation | unknown, ctx: QualityContext): QualityReport {
  const completeness = checkCompleteness(input, ctx);
  const format = inspectFormat(input);
  const observation = format.observation;

  const typed: CheckResult[] = TYPED_STEPS.map(([name, step]) =>
    observation === null ? checkResult(name, 0, 'unreadable observation') : step(observation, ctx),
  );
  const checks = [completeness, format.result, ...typed];
  const quality = scoreChecks(checks, ctx.settings);

  return {
    category: reportCategory(input, observation, ctx),
    checks: [...checks, quality.result],
    score: quality.score,
    decision: quality.decision,
    weights: weightsOf(ctx.settings.weights),
    thresholds: { accept: ctx.settings.thresholds.accept, review: ctx.settings.thresholds.review },
    evaluatedAt: ctx.now.toISOString(),
  };
}

/** The report's own copy of the weights, exactly the eight checks in order (settings may be shared). */
function weightsOf(w: Record<CheckName, number>): Record<CheckName, number> {
  const out = {} as Record<CheckName, number>;
  for (const n of CHECK_NAMES) out[n] = w[n];
  return out;
}

/** The category the report is filed under: the observation's own, else its feed's, else the settings'. */
function reportCategory(input: unknown, observation: Observation | null, ctx: QualityContext): Category {
  if (observation !== null) return observation.category;
  const claimed = input !== null && typeof input === 'object' ? (input as Record<string, unknown>)['category'] : undefined;
  if (isCategory(claimed)) return claimed;
  const fallback = ctx.feed?.category ?? ctx.settings.category;
  if (fallback === undefined) {
    // Only reachable with hand-built settings and no feed: resolveQualitySettings always sets a category.
    throw new AppError('INVALID_INPUT', 'unreadable observation of unknown category: no feed or settings category to file it under');
  }
  return fallback;
}
