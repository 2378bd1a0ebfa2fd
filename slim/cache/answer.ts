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
