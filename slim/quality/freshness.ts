import type { CheckResult, Observation } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { checkResult, fmtMs, linearDecay } from './result.ts';
import { observedAtMs } from './timestamps.ts';

/** Clock skew tolerated between a source and us before a timestamp counts as "in the future". */
export const FUTURE_SKEW_MS_MAX = 5_000;
/** Age, in SLAs, at which freshness reaches 0 (it is 1 up to one SLA, linear in between). */
export const FRESHNESS_ZERO_AT_SLAS = 3;

/**
 * Step 6: age of the source's own timestamp against the category's SLA, never fetch time (a
 * cached upstream answer fetched just now is still old). The source's timestamp resolution is
 * forgiven: a minute-resolution timestamp may understate the reading's time by up to a minute.
 */
export function checkFreshness(observation: Observation, ctx: QualityContext): CheckResult {
  const { freshnessSlaMs, sourceTimestampPrecisionMs } = ctx.settings;
  const observedMs = observedAtMs(observation.observedAt);
  const nowMs = ctx.now.getTime();
  if (Number.isNaN(observedMs)) return checkResult('freshness', 0, 'observedAt is not a timestamp');
  if (observedMs - nowMs > FUTURE_SKEW_MS_MAX) {
    return checkResult('freshness', 0, `timestamp in the future by ${fmtMs(observedMs - nowMs)}`);
  }
  const ageMs = Math.max(0, nowMs - observedMs - sourceTimestampPrecisionMs);
  const score = linearDecay(ageMs, freshnessSlaMs, FRESHNESS_ZERO_AT_SLAS * freshnessSlaMs);
  const verdict = score === 1 ? 'within' : score === 0 ? `beyond ${FRESHNESS_ZERO_AT_SLAS}×` : 'over';
  return checkResult('freshness', score, `age ${fmtMs(ageMs)} ${verdict} SLA ${fmtMs(freshnessSlaMs)}`);
}
