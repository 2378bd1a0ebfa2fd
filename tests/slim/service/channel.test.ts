import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { CHANNEL_RETRY_MS_MAX, retryDelayMs } from '../../../slim/channel/backoff.ts';
import { HttpChannelTransport } from '../../../slim/channel/http-transport.ts';
import { ChannelPublisher } from '../../../slim/channel/publisher.ts';
import { systemClock } from '../../../slim/clock.ts';
import { createSlimStorage, type SlimStorage } from '../../../slim/storage/index.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';
import { FakeValidator } from './support/fake-validator.ts';
import { iotObservation, reportOf } from './support/reports.ts';
import { CLUSTER_SECRET, pushFeed } from './support/slim-node.ts';

describe('channel retry delay', () => {
  it('doubles from the base per failure up to about 30 s, never below half the ceiling', () => {
    expect(retryDelayMs(1, 1_000, () => 1)).toBe(1_000);
    expect(retryDelayMs(2, 1_000, () => 1)).toBe(2_000);
    expect(retryDelayMs(3, 1_000, () => 0)).toBe(2_000);
    expect(retryDelayMs(50, 1_000, () => 1)).toBe(CHANNEL_RETRY_MS_MAX);
  });

  it("honours the validator's Retry-After as a floor, within the same cap", () => {
    expect(retryDelayMs(1, 100, () => 0, 5_000)).toBe(5_000);
    expect(retryDelayMs(1, 100, () => 0, 3_600_000)).toBe(CHANNEL_RETRY_MS_MAX);
  });
});

describe('channel publisher against a validator over HTTP', () => {
  const validator = new FakeValidator(CLUSTER_SECRET);
  let database: OpenDatabase;
  let storage: SlimStorage;
  let publisher: ChannelPublisher | undefined;
  let n = 0;

  beforeAll(async () => {
    await validator.start();
    database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: uniqueSchema('slim_channel') });
    storage = createSlimStorage(database.db);
    await storage.feeds.insert({ ...pushFeed({ quality: {} }), id: 'feed_channel', ownerKeyId: 'key_provider', now: new Date() });
  });
  afterEach(async () => {
    await publisher?.stop();
    validator.unavailable = false;
    validator.commits = () => true;
  });
  afterAll(async () => {
    await database?.close();
    await validator.stop();
  });

  /** Writes accepted observations to the outbox, as the evaluator does; returns their event ids in write order. */
  const writeAccepted = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      n += 1;
      const recorded = await storage.observations.record({
        observationId: `obs_channel_${n}`,
        reviewId: `rev_channel_${n}`,
        observation: iotObservation('feed_channel', n, new Date(Date.now() + n)),
        report: reportOf('accepted', 0.95),
        contentHash: `hash_${n}`,
        queuedReason: '',
        now: new Date(),
      });
      ids.push(recorded.observationId);
    }
    return ids;
  };

  const startPublisher = (batchMax: number, pollMs?: number) => {
    publisher = new ChannelPublisher({
      ...(pollMs === undefined ? {} : { pollMs }),
      outbox: storage.outbox,
      transport: new HttpChannelTransport({ validatorUrls: [validator.url], clusterSecret: CLUSTER_SECRET }),
      batchMax,
      retryBaseMs: 20,
      clock: systemClock,
      random: Math.random,
      logger: createLogger('slim', 'silent'),
    });
    publisher.start();
    return publisher;
  };

  const drained = (p: ChannelPublisher) => eventually(async () => ((await p.status()).pending === 0 ? true : undefined));

  it('delivers pending events in the order they were written, in batches of at most the configured size', async () => {
    const ids = await writeAccepted(5);
    const before = validator.batches.length;
    const p = startPublisher(2);
    await drained(p);
    expect(validator.received.map((e) => e.id).filter((id) => ids.includes(id))).toEqual(ids);
    expect(Math.max(...validator.batches.slice(before))).toBeLessThanOrEqual(2);
  });

  it('delivers an event written after start without waiting for a poll when woken', async () => {
    // A poll interval far beyond the test's patience: only the wake-up can deliver in time.
    const p = startPublisher(10, 600_000);
    await drained(p);
    const [id] = await writeAccepted(1);
    p.wake();
    await eventually(async () => (validator.committed.has(id ?? '') ? true : undefined));
  });

  it('keeps retrying through 503 answers and loses nothing', async () => {
    validator.unavailable = true;
    const ids = await writeAccepted(3);
    const p = startPublisher(10);
    const failing = await eventually(async () => {
      const s = await p.status();
      return s.lastError !== null ? s : undefined;
    });
    expect(failing.lastError).toContain('503');
    expect(failing.pending).toBe(3);
    validator.unavailable = false;
    await drained(p);
    for (const id of ids) expect(validator.committed.has(id)).toBe(true);
    expect((await p.status()).lastError).toBeNull();
  });

  it('marks delivered only the events the validator committed and redelivers the rest', async () => {
    const ids = await writeAccepted(4);
    const held = new Set([ids[1], ids[3]]);
    let holding = true;
    validator.commits = (e) => !(holding && held.has(e.id));
    const p = startPublisher(10);
    await eventually(async () => ((await p.status()).pending === 2 ? true : undefined));
    const left = await storage.outbox.pending(10);
    expect(left.map((e) => e.event.id)).toEqual([ids[1], ids[3]]);
    holding = false;
    await drained(p);
    const delivered = await storage.outbox.byEventIds(ids);
    expect(delivered.every((d) => d.deliveredAt !== null)).toBe(true);
  });

  it('sets aside an event the ledger refuses and still delivers the ones behind it', async () => {
    const ids = await writeAccepted(3);
    validator.refuses = (e) => e.id === ids[0];
    const p = startPublisher(1);
    await drained(p);
    validator.refuses = () => false;
    const rows = await storage.outbox.byEventIds(ids);
    expect(rows.map((r) => r.deliveredAt !== null)).toEqual([false, true, true]);
    expect((await p.status()).refused).toBeGreaterThanOrEqual(1);
  });
});
