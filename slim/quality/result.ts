import type { CheckResult } from '../../schemas/index.ts';

type StepName = CheckResult['check'];

/**
 * Builds a check result and asserts its invariant: a score is a finite number in [0,1].
 * A step that computes anything else has a bug; failing loudly here beats publishing a NaN score.
 */
export function checkResult(check: StepName, score: number, reason: string): CheckResult {
  if (!Number.isFinite(score) || score < 0 || score > 1) {
    throw new RangeError(`quality step ${check} produced score ${score}, outside [0,1]`);
  }
  return { check, score, reason };
}

/**
 * 1 at or below `full`, 0 at or above `zero`, linear in between: the shape shared by freshness,
 * the spike test and the relative-deviation fallback. Requires `zero > full`.
 */
export function linearDecay(x: number, full: number, zero: number): number {
  if (!(zero > full)) throw new RangeError(`linearDecay needs zero (${zero}) > full (${full})`);
  if (x <= full) return 1;
  if (x >= zero) return 0;
  return (zero - x) / (zero - full);
}

/** Short human form of a number for reasons: at most 4 significant decimals, no trailing zeros. */
export const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(4))));

/** Milliseconds as seconds for reasons ("12.5 s"), since SLAs are read in seconds. */
export const fmtMs = (ms: number): string => `${fmt(ms / 1000)} s`;
