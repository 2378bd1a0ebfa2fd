import { z } from 'zod';
import {
  CarbonObservation,
  IotObservation,
  MarketObservation,
  RealEstateObservation,
  WeatherObservation,
  type Observation,
} from '../../schemas/index.ts';

/**
 * Fields of an observation that belong to the feed that asked, not to the source's answer: they
 * are left out of a cache entry and put back per feed on a hit, so feeds of one source share it.
 */
const FEED_FIELDS = { feedId: true, assetId: true, receivedAt: true } as const;

/** A source's answer as cached: the normalized observation without the asking feed's fields. */
export const SourceAnswer = z.discriminatedUnion('category', [
  MarketObservation.omit(FEED_FIELDS),
  RealEstateObservation.omit(FEED_FIELDS),
  CarbonObservation.omit(FEED_FIELDS),
  IotObservation.omit(FEED_FIELDS),
  WeatherObservation.omit(FEED_FIELDS),
]);
export type SourceAnswer = z.infer<typeof SourceAnswer>;

/** One cached answer with its life: stored when the source answered, a miss from `expiresAtMs` on. */
export const CacheEntry = z.object({
  answer: SourceAnswer,
  storedAtMs: z.number().int().nonnegative(),
  expiresAtMs: z.number().int().nonnegative(),
});
export type CacheEntry = z.infer<typeof CacheEntry>;

/**
 * How far in the future an entry's `storedAtMs` may lie: replicas' clocks differ a little. An entry
 * stored further ahead than this comes from a clock that disagrees with ours (or from before ours
 * was set back), so its age cannot be bounded by the TTL: it is a miss.
 */
export const STORED_AHEAD_MS_MAX = 5_000;

/** Whether an entry may be served at `nowMs`: not expired, and not stored implausibly far ahead. */
export function isLive(entry: Pick<CacheEntry, 'storedAtMs' | 'expiresAtMs'>, nowMs: number): boolean {
  return nowMs < entry.expiresAtMs && entry.storedAtMs <= nowMs + STORED_AHEAD_MS_MAX;
}

/** What the asking feed contributes to an observation. */
export interface AskingFeed {
  id: string;
  assetId: string;
}

export function answerOf(observation: Observation): SourceAnswer {
  const { feedId: _feedId, assetId: _assetId, receivedAt: _receivedAt, ...answer } = observation;
  return answer;
}

/**
 * The answer as an observation of `feed`. `receivedAt` is when this feed received it (now), as
 * for a fetch; freshness is judged from the source's `observedAt`, which the cache keeps as it was.
 */
export function observationFor(answer: SourceAnswer, feed: AskingFeed, receivedAt: Date): Observation {
  return { ...answer, feedId: feed.id, assetId: feed.assetId, receivedAt: receivedAt.toISOString() };
}
