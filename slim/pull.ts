import type { Logger } from '../runtime/logger.ts';
import type { Observation } from '../schemas/index.ts';
import type { Clock } from './clock.ts';
import type { Evaluator } from './evaluate.ts';
import { isUsEquitySessionOpen, shouldPublish } from './scheduler/index.ts';
import { isPullSource } from './sources.ts';
import type { FeedRecord, SlimStorage } from './storage/index.ts';

/**
 * - recorded: evaluated and recorded (published);
 * - unchanged: the source had nothing new;
 * - held_back: new data, but within the deviation threshold before the heartbeat (counted, not evaluated);
 * - market_closed: a market feed outside the US equity session, not fetched;
 * - fetch_failed; skipped: the feed is no longer an active pull feed.
 */
export type PullOutcome = 'recorded' | 'unchanged' | 'held_back' | 'market_closed' | 'fetch_failed' | 'skipped';

export type FetchObservation = (feed: FeedRecord) => Promise<Observation>;

/**
 * One scheduled fetch of a pull feed: fetch, skip when the source has nothing new, otherwise
 * evaluate and record. A fetch failure is counted on the feed and never stops the schedule.
 */
export function createPullJob(deps: {
  storage: SlimStorage;
  evaluator: Evaluator;
  fetch: FetchObservation;
  clock: Clock;
  logger: Logger;
  /** Whether the market feeds' session is open; defaults to the regular US equity session. */
  marketOpen?: (at: Date) => boolean;
}): (feedId: string) => Promise<PullOutcome> {
  const marketOpen = deps.marketOpen ?? isUsEquitySessionOpen;

  return async (feedId) => {
    // Re-read the feed: it may have been paused or changed since the timer was armed.
    const feed = await deps.storage.feeds.get(feedId);
    if (feed === null || feed.status !== 'active' || !isPullSource(feed.source)) return 'skipped';
    // Outside the session a market source has nothing to say: no fetch, and the feed shows 'market_closed', not stale.
    if (feed.category === 'market' && !marketOpen(deps.clock.now())) return 'market_closed';
    let observation: Observation;
    try {
      observation = await deps.fetch(feed);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.logger.warn({ feedId, err }, 'fetch failed');
      await deps.storage.feeds.recordFetchError(feedId, message, deps.clock.now());
      return 'fetch_failed';
    }
    // Open-Meteo's `current` moves every 15 minutes: most polls of it bring nothing new.
    if (sameSourceInstant(feed.lastObservation, observation)) {
      deps.logger.debug({ feedId, observedAt: observation.observedAt }, 'source has no new data');
      return 'unchanged';
    }
    const last = feed.lastObservation;
    const publish = shouldPublish({
      rule: feed.schedule,
      last: last === null ? null : { value: last.value, atMs: Date.parse(last.receivedAt) },
      next: { value: observation.value, atMs: deps.clock.now().getTime() },
    });
    if (!publish) {
      await deps.storage.feeds.recordSkip(feedId);
      deps.logger.debug({ feedId, value: observation.value, lastValue: last?.value }, 'within deviation before heartbeat: not published');
      return 'held_back';
    }
    const evaluated = await deps.evaluator.evaluate(feed, observation);
    deps.logger.debug({ feedId, observationId: evaluated.observationId, decision: evaluated.decision, score: evaluated.score }, 'observation recorded');
    return 'recorded';
  };
}

/** Same source timestamp as the last stored observation: compared as instants, whatever the offset notation. */
function sameSourceInstant(last: Observation | null, next: Observation): boolean {
  return last !== null && Date.parse(last.observedAt) === Date.parse(next.observedAt);
}
