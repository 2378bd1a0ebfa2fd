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

/** The origin a pull source fetches from; null for push feeds. */
export function sourceOrigin(source: FeedSource): string | null {
  switch (source.adapter) {
    case 'open-meteo':
      return new URL(source.params.baseUrl).origin;
    case 'push':
      return null;
  }
}

/** Refuses a source outside the operator's allowlist (SOURCE_ORIGINS_ALLOWED), naming the field. */
export function assertSourceAllowed(source: FeedSource, originsAllowed: readonly string[]): void {
  const origin = sourceOrigin(source);
  if (origin === null || originsAllowed.includes(origin)) return;
  throw new AppError('INVALID_INPUT', `source.params.baseUrl: ${origin} is not an allowed source origin (allowed: ${originsAllowed.join(', ')})`, {
    details: [{ path: 'source.params.baseUrl', message: `origin ${origin} is not in SOURCE_ORIGINS_ALLOWED` }],
  });
}

/** Fetches one observation from a pull feed's source; failures are AppError SOURCE_FAILED with the cause. */
export async function fetchFromSource(
  feed: { id: string; assetId: string; source: FeedSource },
  opts: { timeoutMs: number; clock: Clock; originsAllowed: readonly string[] },
): Promise<Observation> {
  const source = feed.source;
  const origin = sourceOrigin(source);
  // Checked again at every fetch: the allowlist may have shrunk since the feed was registered.
  if (origin !== null && !opts.originsAllowed.includes(origin)) {
    throw new AppError('SOURCE_FAILED', `source origin ${origin} is no longer allowed (SOURCE_ORIGINS_ALLOWED)`);
  }
  switch (source.adapter) {
    case 'open-meteo':
      return fetchOpenMeteo({ id: feed.id, assetId: feed.assetId }, source.params, { timeoutMs: opts.timeoutMs, now: () => opts.clock.now() });
    case 'push':
      throw new AppError('CONFLICT', `feed ${feed.id} is a push feed: nothing to fetch, its devices submit readings`);
  }
}
