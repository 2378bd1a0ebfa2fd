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

/** Below this magnitude n·10⁴ is exact enough in a double for the fast path of `fmt`. */
const FMT_FAST_ABS_MAX = 1e9;
/** How close to a rounding tie n·10⁴ may come before `fmt` leaves it to toFixed's exact decimal rounding. */
const FMT_TIE_MARGIN = 1e-6;

/** Decimal tails of k/10⁴ for k in [0, 10⁴): '' for 0, '.5' for 5000, '.0001' for 1; filled on first use. */
const FRACTION_TAILS: Array<string | undefined> = new Array<string | undefined>(10_000).fill(undefined);

function fractionTail(k: number): string {
  let tail = FRACTION_TAILS[k];
  if (tail === undefined) {
    tail = k === 0 ? '' : `.${String(k + 10_000).slice(1).replace(/0+$/, '')}`;
    FRACTION_TAILS[k] = tail;
  }
  return tail;
}

/**
 * Short human form of a number for reasons: at most 4 significant decimals, no trailing zeros;
 * the same string as `String(Number(n.toFixed(4)))`. Every report formats a dozen numbers, and
 * printing a double is the slow part, so away from a rounding tie the number is rounded to whole
 * ten-thousandths k in binary and printed as integer part and a tabled decimal tail of k: below
 * 10⁹, k is an exact integer and the decimal k·10⁻⁴ is what toFixed's output parses back to and
 * String prints.
 */
export function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (Math.abs(n) < FMT_FAST_ABS_MAX) {
    const scaled = n * 10_000;
    const frac = scaled - Math.floor(scaled);
    if (Math.abs(frac - 0.5) > FMT_TIE_MARGIN) {
      const k = Math.round(scaled);
      const magnitude = k < 0 ? -k : k;
      const whole = Math.floor(magnitude / 10_000);
      // String(-0) is '0': a value that rounds to zero prints without a sign, as before.
      return `${k < 0 ? '-' : ''}${whole}${fractionTail(magnitude - whole * 10_000)}`;
    }
  }
  return String(Number(n.toFixed(4)));
}

/** Milliseconds as seconds for reasons ("12.5 s"), since SLAs are read in seconds. */
export const fmtMs = (ms: number): string => `${fmt(ms / 1000)} s`;
