import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { AppError } from '../../../runtime/errors.ts';
import { createSlimStorage, type FeedRecord, type SlimStorage } from '../../../slim/storage/index.ts';
import { addToHistoryWindow, feedHistoryOf } from '../../../slim/storage/observations.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';
import { iotObservation, reportOf } from './support/reports.ts';
import { pushFeed } from './support/slim-node.ts';

let seq = 0;
const unique = (prefix: string) => `${prefix}_${process.pid}_${++seq}`;

/** One contract, every backend: the same storage code must behave the same on PGlite and on PostgreSQL. */
function storageContract(name: string, open: (schema: string) => Promise<OpenDatabase>, cleanup: (schema: string) => Promise<void>) {
  describe(name, () => {
    const schema = uniqueSchema('slim_storage');
    let database: OpenDatabase;
    let storage: SlimStorage;

    beforeAll(async () => {
      database = await open(schema);
      storage = createSlimStorage(database.db);
    });
    afterAll(async () => {
      await database?.close();
      await cleanup(schema);
    });

    const newFeed = (): Promise<FeedRecord> =>
      storage.feeds.insert({ ...pushFeed(), id: unique('feed'), ownerKeyId: 'key_provider', now: new Date() });

    const record = (feed: FeedRecord, decision: 'accepted' | 'review' | 'rejected', value: number, observedAt: Date, observationId = unique('obs')) =>
      storage.observations.record({
        observationId,
        reviewId: unique('rev'),
        observation: iotObservation(feed.id, value, observedAt),
        report: reportOf(decision, decision === 'accepted' ? 0.95 : decision === 'review' ? 0.7 : 0.3),
        contentHash: `hash-${observationId}`,
        queuedReason: 'fixture',
        now: new Date(),
      });

    it('records an accepted observation with its channel event and the feed counters', async () => {
      const feed = await newFeed();
      const recorded = await record(feed, 'accepted', 4, new Date());
      expect(recorded.eventId).toBe(recorded.observationId);
      expect(recorded.reviewId).toBeNull();
      const [stored] = await storage.outbox.byEventIds([recorded.observationId]);
      expect(stored?.event.feedId).toBe(feed.id);
      expect(stored?.deliveredAt).toBeNull();
      const after = await storage.feeds.get(feed.id);
      expect(after?.acceptedCount).toBe(1);
      expect(after?.lastDecision).toBe('accepted');
      expect(after?.lastObservation?.value).toBe(4);
    });

    it('records a doubtful observation as a pending review item with a queued audit entry and no event', async () => {
      const feed = await newFeed();
      const recorded = await record(feed, 'review', 12, new Date());
      expect(recorded.eventId).toBeNull();
      const item = await storage.reviews.get(recorded.reviewId ?? '');
      expect(item?.status).toBe('pending');
      expect(item?.qualityDecision).toBe('review');
      expect(item?.audit).toEqual([expect.objectContaining({ action: 'queued', actor: 'quality-chain', reason: 'fixture' })]);
      expect(await storage.outbox.byEventIds([recorded.observationId])).toEqual([]);
      expect((await storage.feeds.get(feed.id))?.reviewCount).toBe(1);
    });

    it('records nothing at all when part of the recording fails', async () => {
      const feed = await newFeed();
      const first = await record(feed, 'accepted', 4, new Date());
      // The same observation id again: the insert fails, so the counters and the outbox must not move either.
      await expect(record(feed, 'accepted', 5, new Date(), first.observationId)).rejects.toThrow();
      const after = await storage.feeds.get(feed.id);
      expect(after?.acceptedCount).toBe(1);
      expect(after?.lastObservation?.value).toBe(4);
      expect(await storage.outbox.byEventIds([first.observationId])).toHaveLength(1);
    });

    it('gives the chain the values of accepted and approved observations only, newest last, and the latest source time', async () => {
      const feed = await newFeed();
      const t0 = Date.now() - 60_000;
      await record(feed, 'accepted', 1, new Date(t0));
      const queued = await record(feed, 'review', 2, new Date(t0 + 1_000));
      await record(feed, 'rejected', 3, new Date(t0 + 2_000));
      await record(feed, 'accepted', 4, new Date(t0 + 3_000));
      await storage.reviews.decide({ reviewId: queued.reviewId ?? '', decision: 'approve', reviewer: 'key_reviewer', reason: 'checked', now: new Date() });
      const history = await storage.observations.history(feed.id);
      expect(history.values).toEqual([1, 2, 4]);
      expect(history.lastObservedAt).toBe(new Date(t0 + 3_000).toISOString());
      expect(history.recentContentHashes).toHaveLength(4);
    });

    const toRecord = (feed: FeedRecord, decision: 'accepted' | 'review' | 'rejected', value: number, observedAt: Date, observationId = unique('obs')) => ({
      observationId,
      reviewId: unique('rev'),
      observation: iotObservation(feed.id, value, observedAt),
      report: reportOf(decision, decision === 'accepted' ? 0.95 : decision === 'review' ? 0.7 : 0.3),
      contentHash: `hash-${observationId}`,
      queuedReason: `fixture ${value}`,
      now: new Date(),
    });

    it('records a batch in one go: each observation with its event or review item, events in order, the counters of all', async () => {
      const feed = await newFeed();
      const t0 = Date.now() - 60_000;
      const batch = [
        toRecord(feed, 'accepted', 1, new Date(t0)),
        toRecord(feed, 'review', 2, new Date(t0 + 1_000)),
        toRecord(feed, 'accepted', 3, new Date(t0 + 2_000)),
        toRecord(feed, 'rejected', 4, new Date(t0 + 3_000)),
      ];
      const recorded = await storage.observations.recordBatch(batch);
      expect(recorded.map((r) => r.decision)).toEqual(['accepted', 'review', 'accepted', 'rejected']);
      expect(recorded.map((r) => r.eventId)).toEqual([batch[0]?.observationId, null, batch[2]?.observationId, null]);
      const events = await storage.outbox.byEventIds([batch[2]?.observationId ?? '', batch[0]?.observationId ?? '']);
      expect(events.map((e) => e.event.observation.value)).toEqual([1, 3]);
      const rejected = await storage.reviews.get(recorded[3]?.reviewId ?? '');
      expect(rejected?.qualityDecision).toBe('rejected');
      expect(rejected?.audit).toEqual([expect.objectContaining({ action: 'queued', actor: 'quality-chain', reason: 'fixture 4' })]);
      const after = await storage.feeds.get(feed.id);
      expect([after?.acceptedCount, after?.reviewCount, after?.rejectedCount]).toEqual([2, 1, 1]);
      expect(after?.lastDecision).toBe('rejected');
      expect(after?.lastObservation?.value).toBe(4);
    });

    it('records nothing of a batch when one of its observations cannot be recorded', async () => {
      const feed = await newFeed();
      const first = toRecord(feed, 'accepted', 1, new Date());
      // The second item reuses the first's id: its insert fails, so the whole batch must leave no trace.
      const clash = toRecord(feed, 'review', 2, new Date(), first.observationId);
      await expect(storage.observations.recordBatch([first, clash])).rejects.toThrow();
      const after = await storage.feeds.get(feed.id);
      expect([after?.acceptedCount, after?.reviewCount]).toEqual([0, 0]);
      expect(await storage.outbox.byEventIds([first.observationId])).toEqual([]);
      expect((await storage.observations.history(feed.id)).recentContentHashes).toEqual([]);
    });

    it('a history window with readings added in memory reads as the history after recording them', async () => {
      const feed = await newFeed();
      const t0 = Date.now() - 60_000;
      await storage.observations.recordBatch([toRecord(feed, 'accepted', 1, new Date(t0)), toRecord(feed, 'review', 2, new Date(t0 + 2_000))]);
      const window = await storage.observations.historyWindow(feed.id);
      // Newer, older than the newest (out of order) and rejected: each lands where the table's order puts it.
      const later = [toRecord(feed, 'accepted', 3, new Date(t0 + 3_000)), toRecord(feed, 'accepted', 4, new Date(t0 + 1_000)), toRecord(feed, 'rejected', 5, new Date(t0 + 4_000))];
      for (const e of later) {
        addToHistoryWindow(window, { observedAtMs: Date.parse(e.observation.observedAt), value: e.observation.value, contentHash: e.contentHash, published: e.report.decision === 'accepted' });
      }
      await storage.observations.recordBatch(later);
      expect(feedHistoryOf(window)).toEqual(await storage.observations.history(feed.id));
    });

    it('decides a review once: approval writes the event with its approval, a second decision is refused', async () => {
      const feed = await newFeed();
      const queued = await record(feed, 'rejected', 40, new Date());
      const now = new Date();
      const { item, publishedEventId } = await storage.reviews.decide({
        reviewId: queued.reviewId ?? '',
        decision: 'approve',
        reviewer: 'key_reviewer',
        reason: 'door open',
        now,
      });
      expect(item.status).toBe('approved');
      expect(publishedEventId).toBe(queued.observationId);
      const [stored] = await storage.outbox.byEventIds([queued.observationId]);
      expect(stored?.event.approval).toEqual({ reviewId: queued.reviewId, reviewer: 'key_reviewer', reason: 'door open', decidedAt: now.toISOString() });

      const again = storage.reviews.decide({ reviewId: queued.reviewId ?? '', decision: 'reject', reviewer: 'key_other', reason: 'no', now: new Date() });
      await expect(again).rejects.toSatisfy((e) => e instanceof AppError && e.code === 'REVIEW_ALREADY_DECIDED');
      const after = await storage.reviews.get(queued.reviewId ?? '');
      expect(after?.audit.map((a) => a.action)).toEqual(['queued', 'approved']);
    });

    it('hands out pending events in write order and marks delivered only what was committed', async () => {
      // Drain what earlier tests left, so this one sees only its own rows.
      const leftovers = await storage.outbox.pending(1_000);
      await storage.outbox.recordAttempt({ attemptedSeqs: leftovers.map((p) => p.seq), committedSeqs: leftovers.map((p) => p.seq), refused: [] }, new Date());
      const feed = await newFeed();
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await record(feed, 'accepted', i, new Date())).observationId);
      const pending = await storage.outbox.pending(10);
      expect(pending.map((p) => p.event.id)).toEqual(ids);
      const [a, b, c] = pending.map((p) => p.seq) as [number, number, number];
      await storage.outbox.recordAttempt({ attemptedSeqs: [a, b, c], committedSeqs: [a, c], refused: [] }, new Date());
      const left = await storage.outbox.pending(10);
      expect(left.map((p) => p.event.id)).toEqual([ids[1]]);
      expect(left[0]?.attempts).toBe(1);
      const counts = await storage.outbox.counts();
      expect(counts.pending).toBe(1);
    });
  });
}

storageContract(
  'slim storage on PGlite',
  (schema) => openDatabase({ part: 'slim', dataDir: 'memory://', schema }),
  async () => {},
);

describe.skipIf(TEST_DATABASE_URL === undefined)('with PostgreSQL', () => {
  const url = TEST_DATABASE_URL ?? '';
  storageContract(
    'slim storage on PostgreSQL',
    (schema) => openDatabase({ part: 'slim', url, dataDir: 'unused', schema }),
    (schema) => dropSchema(url, schema),
  );
});
