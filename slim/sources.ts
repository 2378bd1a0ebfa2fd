import type { FeedSource, Observation } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { fetchOpenMeteo, OPEN_METEO_CURRENT_INTERVAL_MS } from '../oracles/open-meteo.ts';
import type { Clock } from './clock.ts';

/** Pull adapters: the sources the worker fetches from (push feeds are fed by their devices). */
export const isPullSource = (source: FeedSource): boolean => source.adapter !== 'push';

/**
 * Resolution of a source's timestamps, which the freshness check forgives. Open-Meteo stamps its
 * current conditions with the start of the running quarter hour, so the newest answer there is
 * can look up to 15 minutes old; holding it to the 1-minute weather SLA without this would send
 * nearly every real poll to review.
 */
export function sourceTimestampPrecisionMs(source: FeedSource): number {
  switch (source.adapter) {
    case 'open-meteo':
      return OPEN_METEO_CURRENT_INTERVAL_MS;
    case 'push':
      return 0;
  }
}

/** Fetches one observation from a pull feed's source; failures are AppError SOURCE_FAILED with the cause. */
export async function fetchFromSource(
  feed: { id: string; assetId: string; source: FeedSource },
  opts: { timeoutMs: number; clock: Clock },
): Promise<Observation> {
  const source = feed.source;
  switch (source.adapter) {
    case 'open-meteo':
      return fetchOpenMeteo({ id: feed.id, assetId: feed.assetId }, source.params, { timeoutMs: opts.timeoutMs, now: () => opts.clock.now() });
    case 'push':
      throw new AppError('CONFLICT', `feed ${feed.id} is a push feed: nothing to fetch, its devices submit readings`);
  }
}
