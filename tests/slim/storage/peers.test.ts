import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import type { Decision } from '../../../schemas/index.ts';
import { createSlimStorage, type FeedRecord, type SlimStorage } from '../../../slim/storage/index.ts';
import { PEERS_MAX } from '../../../slim/storage/observations.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { iotObservation, reportOf } from '../service/support/reports.ts';
import { pushFeed } from '../service/support/slim-node.ts';

let seq = 0;
const unique = (prefix: string) => `${prefix}_${process.pid}_${++seq}`;
const NOW = new Date('2026-03-01T12:00:00.000Z');
const secondsAgo = (s: number) => new Date(NOW.getTime() - s * 1000);

describe('observation storage: cross-source peers', () => {
  let database: OpenDatabase;
  let storage: SlimStorage;

  beforeAll(async () => {
    database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: uniqueSchema('slim_peers') });
    storage = createSlimStorage(database.db);
  });
  afterAll(() => database?.close());

  const newFeed = (assetId: string): Promise<FeedRecord> =>
    storage.feeds.insert({ ...pushFeed({ assetId }), id: unique('feed'), ownerKeyId: 'key_provider', now: NOW });

  const record = async (feed: FeedRecord, decision: Decision, value: number, observedAt: Date, unit = '°C') => {
    const observation = { ...iotObservation(feed.id, value, observedAt), assetId: feed.assetId, unit };
    const observationId = unique('obs');
    return storage.observations.record({
      observationId,
      reviewId: unique('rev'),
      observation,
      report: reportOf(decision, decision === 'accepted' ? 0.95 : decision === 'review' ? 0.7 : 0.3),
      contentHash: `hash-${observationId}`,
      queuedReason: 'fixture',
      now: NOW,
    });
  };

  const peersOf = (feed: FeedRecord, sinceSecondsAgo = 60, unit = '°C') =>
    storage.observations.peers({ feedId: feed.id, assetId: feed.assetId, category: 'iot', unit, since: secondsAgo(sinceSecondsAgo) });

  it('answers the newest published value of each other feed of the same asset, never the asking feed', async () => {
    const asset = unique('asset');
    const [self, a, b] = [await newFeed(asset), await newFeed(asset), await newFeed(asset)];
    await record(self, 'accepted', 1, secondsAgo(5));
    await record(a, 'accepted', 10, secondsAgo(20));
    await record(a, 'accepted', 11, secondsAgo(10));
    await record(b, 'accepted', 12, secondsAgo(15));
    const peers = await peersOf(self);
    expect(peers.map((p) => [p.feedId, p.value])).toEqual([
      [a.id, 11],
      [b.id, 12],
    ]);
    expect(peers[0]?.observedAt).toBe(secondsAgo(10).toISOString());
  });

  it('skips values that were not published, unless a reviewer approved them', async () => {
    const asset = unique('asset');
    const [self, a, b] = [await newFeed(asset), await newFeed(asset), await newFeed(asset)];
    await record(a, 'accepted', 10, secondsAgo(20));
    await record(a, 'rejected', 99, secondsAgo(5));
    const queued = await record(b, 'review', 13, secondsAgo(8));
    expect((await peersOf(self)).map((p) => p.value)).toEqual([10]);
    await storage.reviews.decide({ reviewId: queued.reviewId ?? '', decision: 'approve', reviewer: 'key_reviewer', reason: 'checked', now: NOW });
    expect((await peersOf(self)).map((p) => p.value).sort()).toEqual([10, 13]);
  });

  it('leaves out stale values, other assets and other units', async () => {
    const asset = unique('asset');
    const [self, stale, kelvin] = [await newFeed(asset), await newFeed(asset), await newFeed(asset)];
    const elsewhere = await newFeed(unique('asset'));
    await record(stale, 'accepted', 10, secondsAgo(120));
    await record(kelvin, 'accepted', 283, secondsAgo(5), 'K');
    await record(elsewhere, 'accepted', 10, secondsAgo(5));
    expect(await peersOf(self)).toEqual([]);
    expect((await peersOf(self, 60, 'K')).map((p) => p.value)).toEqual([283]);
  });

  it(`answers at most ${PEERS_MAX} peers, the freshest`, async () => {
    const asset = unique('asset');
    const self = await newFeed(asset);
    for (let i = 0; i < PEERS_MAX + 3; i++) await record(await newFeed(asset), 'accepted', i, secondsAgo(50 - i));
    const peers = await peersOf(self);
    expect(peers).toHaveLength(PEERS_MAX);
    expect(Math.min(...peers.map((p) => p.value))).toBe(3);
  });
});
