import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../db/client.ts';
import type { WeatherObservation } from '../../schemas/index.ts';
import { Evaluator, EVALUATION_BATCH_MAX, type Evaluated } from '../../slim/evaluate.ts';
import { createSlimStorage, type FeedRecord, type SlimStorage } from '../../slim/storage/index.ts';
import { weather } from './quality/support.ts';
import { ManualClock } from './service/support/manual-clock.ts';
import { weatherFeed } from './service/support/slim-node.ts';

const NOW = new Date('2025-01-15T13:45:30.000Z');
const FEED_ID = 'feed-weather-batch';

interface Worker {
  database: OpenDatabase;
  storage: SlimStorage;
  evaluator: Evaluator;
  feed: FeedRecord;
  published: number;
}

/** One worker's storage on in-memory PGlite with one Open-Meteo feed, and an evaluator on a stopped clock. */
async function worker(): Promise<Worker> {
  const database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: 'slim' });
  const storage = createSlimStorage(database.db);
  const feed = await storage.feeds.insert({ ...weatherFeed('https://api.open-meteo.com'), id: FEED_ID, ownerKeyId: 'key_provider', now: NOW });
  const w: Worker = { database, storage, feed, published: 0, evaluator: undefined as unknown as Evaluator };
  w.evaluator = new Evaluator({ storage, qualityWeights: {}, clock: new ManualClock(NOW), onPublished: () => w.published++ });
  return w;
}

/** A reading of the feed `secondsAgo` before NOW at `value` °C. */
const reading = (secondsAgo: number, value: number): WeatherObservation =>
  weather(
    { feedId: FEED_ID, assetId: 'weather-berlin', observedAt: new Date(NOW.getTime() - secondsAgo * 1_000).toISOString(), value },
    { latitude: 52.52, longitude: 13.405, timezone: 'UTC', temperatureC: value },
  );

/**
 * A run that makes every reading depend on the ones before it: a steady series (history for the
 * spike test), a repeat of earlier content, a reading older than the newest, a jump (review), a
 * spike (rejected), and readings after them.
 */
const RUN: WeatherObservation[] = [
  ...[40, 38, 36, 34, 32, 30].map((s, i) => reading(s, 3.4 + (i % 3) / 10)),
  reading(32, 3.5),
  reading(31, 3.4),
  reading(28, 4.5),
  reading(27, 9.9),
  reading(26, 3.5),
  reading(26, 3.6),
  reading(24, 3.4),
];

/** What a reading's evaluation says, without the ids each worker draws at random. */
const outcome = (e: Evaluated) => ({ decision: e.decision, score: e.score, report: e.report, queued: e.reviewId !== null, published: e.eventId !== null });

describe('Evaluator.evaluateBatch', () => {
  let oneByOne: Worker;
  let batched: Worker;

  beforeAll(async () => {
    [oneByOne, batched] = await Promise.all([worker(), worker()]);
  });
  afterAll(async () => {
    await Promise.all([oneByOne?.database.close(), batched?.database.close()]);
  });

  it('scores and records a batch exactly as the same readings evaluated one by one', async () => {
    const single: Evaluated[] = [];
    for (const observation of RUN) single.push(await oneByOne.evaluator.evaluate(oneByOne.feed, observation));
    const batch = await batched.evaluator.evaluateBatch(batched.feed, RUN.map((observation) => ({ observation })));

    expect(batch.map(outcome)).toEqual(single.map(outcome));
    // The run really exercises the history: duplicates, stale timestamps and the spike are not accepted.
    expect(new Set(single.map((e) => e.decision))).toEqual(new Set(['accepted', 'rejected', 'review']));
    expect(await batched.storage.observations.history(FEED_ID)).toEqual(await oneByOne.storage.observations.history(FEED_ID));
    const [a, b] = await Promise.all([oneByOne.storage.feeds.get(FEED_ID), batched.storage.feeds.get(FEED_ID)]);
    expect([b?.acceptedCount, b?.reviewCount, b?.rejectedCount, b?.lastScore]).toEqual([a?.acceptedCount, a?.reviewCount, a?.rejectedCount, a?.lastScore]);
    expect((await batched.storage.outbox.counts()).pending).toBe((await oneByOne.storage.outbox.counts()).pending);
    expect(batched.published).toBe(1);
  });

  it('refuses a batch larger than its bound before reading or writing anything', async () => {
    const tooMany = Array.from({ length: EVALUATION_BATCH_MAX + 1 }, (_, i) => ({ observation: reading(i, 3.4) }));
    await expect(batched.evaluator.evaluateBatch(batched.feed, tooMany)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
