import type { CheckResult, Observation } from '../../schemas/index.ts';
import { hashValue } from '../../runtime/hash.ts';
import type { QualityContext } from './context.ts';
import { checkResult } from './result.ts';
import { observedAtMs } from './timestamps.ts';

/**
 * The identity of an observation's content: what the source said, not when we heard it
 * (`receivedAt` and the source description are left out), so polling an unchanged upstream
 * answer twice yields the same hash.
 */
export function contentHashOf(observation: Observation): string {
  const { feedId, assetId, category, observedAt, value, unit, data } = observation;
  return hashValue({ feedId, assetId, category, observedAt, value, unit, data });
}

/**
 * Step 7: the observation is new. The same content again is a replay or a re-poll of an unchanged
 * source; a source timestamp not after the last stored one is stale or out of order either way.
 */
export function checkUniqueness(observation: Observation, ctx: QualityContext): CheckResult {
  if (ctx.history.recentContentHashes.includes(ctx.contentHash)) {
    return checkResult('uniqueness', 0, 'duplicate content');
  }
  const last = ctx.history.lastObservedAt;
  if (last !== null) {
    const lastMs = Date.parse(last);
    const observedMs = observedAtMs(observation.observedAt);
    if (!Number.isNaN(lastMs) && !(observedMs > lastMs)) {
      return checkResult('uniqueness', 0, `source timestamp not after the last one (${observation.observedAt} ≤ ${last})`);
    }
  }
  return checkResult('uniqueness', 1, 'new content with a newer source timestamp');
}
