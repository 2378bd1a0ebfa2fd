import type { CheckResult, Observation } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { checkResult } from './result.ts';

/**
 * Step 8: the observation belongs to a registered, active feed and says so consistently
 * (feed, asset, category, and for IoT the device the push secret was issued for).
 * Whether the asset exists on the ledger is not checked here: the ledger's asset registry
 * arrives with the ledger issue, and the check will join this step then.
 */
export function checkReferentialIntegrity(observation: Observation, ctx: QualityContext): CheckResult {
  const feed = ctx.feed;
  if (feed === null) return checkResult('referential_integrity', 0, 'unknown feed');
  if (feed.status === 'paused') return checkResult('referential_integrity', 0, `feed ${feed.id} is paused`);
  if (observation.feedId !== feed.id) {
    return checkResult('referential_integrity', 0, `feedId ${observation.feedId} is not feed ${feed.id}`);
  }
  if (observation.assetId !== feed.assetId) {
    return checkResult('referential_integrity', 0, `assetId ${observation.assetId} is not the feed's asset ${feed.assetId}`);
  }
  if (observation.category !== feed.category) {
    return checkResult('referential_integrity', 0, `category ${observation.category} is not the feed's ${feed.category}`);
  }
  if (observation.category === 'iot') {
    if (feed.source.adapter !== 'push') {
      return checkResult('referential_integrity', 0, `iot observation on a ${feed.source.adapter} feed`);
    }
    if (observation.data.deviceId !== feed.source.params.deviceId) {
      return checkResult(
        'referential_integrity',
        0,
        `device ${observation.data.deviceId} is not the feed's registered device ${feed.source.params.deviceId}`,
      );
    }
  }
  return checkResult('referential_integrity', 1, `belongs to active feed ${feed.id} (asset ${feed.assetId})`);
}
