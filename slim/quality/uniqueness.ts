import { createHash } from 'node:crypto';
import type { CheckResult, Observation } from '../../schemas/index.ts';
import { canonicalJson } from '../../runtime/canonical-json.ts';
import type { QualityContext } from './context.ts';
import { checkResult } from './result.ts';
import { isoMs, observedAtMs } from './timestamps.ts';

/**
 * The identity of an observation's content: what the source said, not when we heard it
 * (`receivedAt` and the source description are left out), so polling an unchanged upstream
 * answer twice yields the same hash.
 */
export function contentHashOf(observation: Observation): string {
  const { feedId, assetId, category, observedAt, value, unit, data } = observation;
  // The same SHA-256 of canonical JSON as runtime/hash.ts's hashValue, from node:crypto: the worker
  // hashes every observation (native SHA-256 is several times faster here), and the hex comes out as one
  // flat string, cheaper to look up than the portable hex, which is built by concatenation.
  return createHash('sha256').update(canonicalJson({ feedId, assetId, category, observedAt, value, unit, data })).digest('hex');
}

/**
 * Step 7: the observation is new. The same content again is a replay or a re-poll of an unchanged
 * source; a source timestamp not after the last stored one is stale or out of order either way.
 */
export function checkUniqueness(observation: Observation, ctx: QualityContext): CheckResult {
  if (ctx.history.seenContentHashes.has(ctx.contentHash)) {
    return checkResult('uniqueness', 0, 'duplicate content');
  }
  const last = ctx.history.lastObservedAt;
  if (last !== null) {
    const lastMs = isoMs(last);
    const observedMs = observedAtMs(observation.observedAt);
    if (!Number.isNaN(lastMs) && !(observedMs > lastMs)) {
      return checkResult('uniqueness', 0, `source timestamp not after the last one (${observation.observedAt} ≤ ${last})`);
    }
  }
  return checkResult('uniqueness', 1, 'new content with a newer source timestamp');
}
