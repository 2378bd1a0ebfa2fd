import { CHECK_NAMES, type CheckName, type CheckResult, type Decision, type QualityThresholds } from '../../schemas/index.ts';
import type { QualitySettings } from './context.ts';
import { checkResult, fmt } from './result.ts';

/** The thresholds as the score's reason names them, remembered for the last pair (a feed's are fixed). */
let lastAccept = Number.NaN;
let lastReview = Number.NaN;
let lastThresholdsText = '';
function thresholdsText(t: QualityThresholds): string {
  if (t.accept !== lastAccept || t.review !== lastReview) {
    lastThresholdsText = `(accept ≥ ${fmt(t.accept)}, review ≥ ${fmt(t.review)})`;
    lastAccept = t.accept;
    lastReview = t.review;
  }
  return lastThresholdsText;
}

/** Scores are published with 4 decimals, so the threshold edges are exact (0.8 is 0.8, not 0.79999…). */
export const roundScore = (score: number): number => Math.round(score * 10_000) / 10_000;

/** Thresholds are inclusive: exactly `accept` is accepted, exactly `review` goes to review. */
export function decide(score: number, thresholds: QualityThresholds): Decision {
  if (score >= thresholds.accept) return 'accepted';
  if (score >= thresholds.review) return 'review';
  return 'rejected';
}

export interface QualityScore {
  /** The ninth entry of the report. */
  result: CheckResult;
  score: number;
  decision: Decision;
}

/**
 * Step 9: the weighted mean of the eight checks, capped at the weakest check plus a margin so
 * one failed check (a value out of range) cannot be averaged away by seven perfect ones; then
 * rounded and turned into a decision.
 */
export function scoreChecks(checks: readonly CheckResult[], settings: Pick<QualitySettings, 'weights' | 'thresholds' | 'weakestCheckMargin'>): QualityScore {
  // The report's shape depends on this order; a caller passing anything else has a bug.
  if (checks.length !== CHECK_NAMES.length) throw new RangeError(`scoreChecks needs the eight checks in order ${CHECK_NAMES.join(', ')}`);
  const weights = settings.weights;
  let weighted = 0;
  let totalWeight = 0;
  let weakest = checks[0] as CheckResult;
  for (let i = 0; i < CHECK_NAMES.length; i++) {
    const c = checks[i] as CheckResult;
    const name = CHECK_NAMES[i] as CheckName;
    if (c.check !== name) throw new RangeError(`scoreChecks needs the eight checks in order ${CHECK_NAMES.join(', ')}`);
    const weight = weights[name];
    weighted += weight * c.score;
    totalWeight += weight;
    if (c.score < weakest.score) weakest = c;
  }
  if (!(totalWeight > 0)) throw new RangeError('quality weights sum to zero');

  const mean = weighted / totalWeight;
  const cap = weakest.score + settings.weakestCheckMargin;
  const capped = mean > cap;
  const score = roundScore(Math.min(1, capped ? cap : mean));
  const decision = decide(score, settings.thresholds);

  const how = capped
    ? `weighted mean ${fmt(mean)} capped at ${fmt(cap)} by ${weakest.check} (${fmt(weakest.score)} + margin ${fmt(settings.weakestCheckMargin)})`
    : `weighted mean ${fmt(mean)}`;
  const reason = `${how} → ${decision} ${thresholdsText(settings.thresholds)}`;
  return { result: checkResult('quality_score', score, reason), score, decision };
}
