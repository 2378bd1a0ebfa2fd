import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import type { Decision } from '../../../schemas/index.ts';
import { createSlimStorage, type FeedRecord, type SlimStorage } from '../../../slim/storage/index.ts';
import { REVIEW_HISTORY_MAX } from '../../../slim/storage/review-context.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../support/databases.ts';
import { iotObservation, reportOf } from '../service/support/reports.ts';
import { pushFeed } from '../service/support/slim-node.ts';

let seq = 0;
const unique = (prefix: string) => `${prefix}_${process.pid}_${++seq}`;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const secondsAgo = (s: number) => new Date(NOW.getTime() - s * 1000);

const backends = [
  { name: 'PGlite', url: undefined, skip: false },
  { name: 'PostgreSQL', url: TEST_DATABASE_URL, skip: TEST_DATABASE_URL === undefined },
];

describe.each(backends)('what a reviewer weighs an item against, on $name', ({ url, skip }) => {
  const schema = uniqueSchema('slim_review_context');
  let database: OpenDatabase;
  let storage: SlimStorage;

  beforeAll(async () => {
    if (skip) return;
    database = await openDatabase({ part: 'slim', url, dataDir: 'memory://', schema });
    storage = createSlimStorage(database.db);
  });
  afterAll(async () => {
    await database?.close();
    if (url !== undefined && !skip) await dropSchema(url, schema);
  });

  const newFeed = (assetId: string, name = 'sensor'): Promise<FeedRecord> =>
    storage.feeds.insert({ ...pushFeed({ assetId }), id: unique('feed'), name, ownerKeyId: 'key_provider', now: NOW });

  const record = async (feed: FeedRecord, decision: Decision, value: number, observedAt: Date) => {
    const observationId = unique('obs');
    const recorded = await storage.observations.record({
      observationId,
      reviewId: unique('rev'),
      observation: { ...iotObservation(feed.id, value, observedAt), assetId: feed.assetId },
      report: reportOf(decision, decision === 'accepted' ? 0.95 : decision === 'review' ? 0.7 : 0.3),
      contentHash: `hash-${observationId}`,
      queuedReason: 'fixture',
      now: NOW,
    });
    return { observationId, reviewId: recorded.reviewId ?? '' };
  };

  const contextOf = async (reviewId: string) => {
    const item = await storage.reviews.get(reviewId);
    if (item === null) throw new Error(`no review item ${reviewId}`);
    return storage.reviews.context(item);
  };

  it.skipIf(skip)('shows the feed’s recent values oldest first, whatever the chain decided, the item’s own among them', async () => {
    const feed = await newFeed(unique('asset'));
    await record(feed, 'accepted', 4.0, secondsAgo(30));
    await record(feed, 'rejected', 90, secondsAgo(20));
    await record(feed, 'accepted', 4.2, secondsAgo(10));
    const held = await record(feed, 'review', 7.5, secondsAgo(1));
    const context = await contextOf(held.reviewId);
    expect(context.observationId).toBe(held.observationId);
    expect(context.history.map((h) => [h.value, h.decision])).toEqual([
      [4.0, 'accepted'],
      [90, 'rejected'],
      [4.2, 'accepted'],
      [7.5, 'review'],
    ]);
  });

  it.skipIf(skip)('keeps the history to the newest REVIEW_HISTORY_MAX values', async () => {
    const feed = await newFeed(unique('asset'));
    for (let i = REVIEW_HISTORY_MAX + 5; i > 1; i--) await record(feed, 'accepted', i, secondsAgo(i));
    const held = await record(feed, 'rejected', 1_000, secondsAgo(0));
    const { history } = await contextOf(held.reviewId);
    expect(history).toHaveLength(REVIEW_HISTORY_MAX);
    expect(history.at(-1)?.value).toBe(1_000);
  });

  it.skipIf(skip)('names the other sources of the asset with their newest published value, however old', async () => {
    const asset = unique('asset');
    const [own, backup, old] = [await newFeed(asset), await newFeed(asset, 'backup sensor'), await newFeed(asset, 'old sensor')];
    await newFeed(unique('asset'), 'elsewhere');
    await record(backup, 'accepted', 4.4, secondsAgo(5));
    await record(backup, 'rejected', 60, secondsAgo(2));
    await record(old, 'accepted', 3.9, secondsAgo(86_400));
    const held = await record(own, 'rejected', 41.5, secondsAgo(1));
    const { otherSources } = await contextOf(held.reviewId);
    expect(otherSources.map((s) => [s.name, s.adapter, s.value])).toEqual([
      ['backup sensor', 'push', 4.4],
      ['old sensor', 'push', 3.9],
    ]);
  });

  it.skipIf(skip)('lists reviewer decisions newest first, without the chain’s own queue entries', async () => {
    const feed = await newFeed(unique('asset'));
    const first = await record(feed, 'rejected', 50, secondsAgo(3));
    const second = await record(feed, 'review', 8, secondsAgo(2));
    await storage.reviews.decide({ reviewId: first.reviewId, decision: 'reject', reviewer: 'key_r1', reason: 'sensor fault', now: NOW });
    await storage.reviews.decide({ reviewId: second.reviewId, decision: 'approve', reviewer: 'key_r2', reason: 'confirmed on site', now: NOW });
    const trail = await storage.reviews.auditTrail(2);
    expect(trail.map((a) => [a.reviewId, a.action, a.actor, a.reason, a.feedId])).toEqual([
      [second.reviewId, 'approved', 'key_r2', 'confirmed on site', feed.id],
      [first.reviewId, 'rejected', 'key_r1', 'sensor fault', feed.id],
    ]);
  });
});
