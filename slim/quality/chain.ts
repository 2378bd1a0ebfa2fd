import { type Category, type CheckName, type CheckResult, type Observation, type QualityReport } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import { checkCompleteness } from './completeness.ts';
import { checkConsistency } from './consistency.ts';
import type { QualityContext } from './context.ts';
import { inspectFormat, isCategory } from './format.ts';
import { checkFreshness } from './freshness.ts';
import { checkRange } from './range.ts';
import { checkReferentialIntegrity } from './referential-integrity.ts';
import { checkResult } from './result.ts';
import { scoreChecks } from './score.ts';
import { checkSourceVerification } from './source-verification.ts';
import { isoOfMs } from './timestamps.ts';
import { checkUniqueness } from './uniqueness.ts';

/**
 * Runs the nine steps over one observation, which may be untrusted input (push mode): nothing in
 * here throws for bad data. When the input cannot be read as an observation, completeness and
 * format still say what is wrong and every other step scores 0 ('unreadable observation'), so the
 * caller always gets a full report to store and show a reviewer. Pure: the clock is `ctx.now`.
 * The steps are called one by one into one array (no step table, map or spread): this runs for
 * every observation, and the report's shape is fixed.
 */
export function runQualityChain(input: Observation | unknown, ctx: QualityContext): QualityReport {
  const completeness = checkCompleteness(input, ctx);
  const format = inspectFormat(input);
  const o = format.observation;

  const checks: CheckResult[] =
    o === null
      ? [
          completeness,
          format.result,
          unreadable('range'),
          unreadable('consistency'),
          unreadable('source_verification'),
          unreadable('freshness'),
          unreadable('uniqueness'),
          unreadable('referential_integrity'),
        ]
      : [
          completeness,
          format.result,
          checkRange(o, ctx),
          checkConsistency(o, ctx),
          checkSourceVerification(o, ctx),
          checkFreshness(o, ctx),
          checkUniqueness(o, ctx),
          checkReferentialIntegrity(o, ctx),
        ];
  const settings = ctx.settings;
  const quality = scoreChecks(checks, settings);
  checks.push(quality.result);

  return {
    category: reportCategory(input, o, ctx),
    checks,
    score: quality.score,
    decision: quality.decision,
    weights: weightsOf(settings.weights),
    thresholds: { accept: settings.thresholds.accept, review: settings.thresholds.review },
    evaluatedAt: isoOfMs(ctx.now.getTime()),
  };
}

const unreadable = (name: CheckName): CheckResult => checkResult(name, 0, 'unreadable observation');

/** The report's own copy of the weights, exactly the eight checks in order (settings may be shared). */
function weightsOf(w: Record<CheckName, number>): Record<CheckName, number> {
  return {
    completeness: w.completeness,
    format: w.format,
    range: w.range,
    consistency: w.consistency,
    source_verification: w.source_verification,
    freshness: w.freshness,
    uniqueness: w.uniqueness,
    referential_integrity: w.referential_integrity,
  };
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
