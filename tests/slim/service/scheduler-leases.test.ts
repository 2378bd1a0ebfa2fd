import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { FeedLeaseKeeper, LeaseStore } from '../../../slim/leases/index.ts';
import { FeedScheduler, type ScheduledFeed } from '../../../slim/scheduler/index.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../support/databases.ts';
import { ManualClock } from './support/manual-clock.ts';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 15) + ms);

const backends = [
  { name: 'PGlite', url: undefined, skip: false },
  { name: 'Postgres', url: TEST_DATABASE_URL, skip: TEST_DATABASE_URL === undefined },
];

describe.each(backends)('feed lease table on $name', ({ url, skip }) => {
  const schema = uniqueSchema('slim_leases');
  let database: OpenDatabase;
  let store: LeaseStore;

  beforeAll(async () => {
    if (skip) return;
    database = await openDatabase({ part: 'slim', url, dataDir: 'memory://', schema });
    store = new LeaseStore(database.db);
  });
  afterAll(async () => {
    await database?.close();
    if (url !== undefined && !skip) await dropSchema(url, schema);
  });

  it.skipIf(skip)('grants a free feed to the first worker and refuses it to a second while the lease lasts', async () => {
    expect(await store.acquire(['f1', 'f2'], 'a', at(0), at(3_000))).toEqual(new Set(['f1', 'f2']));
    expect(await store.acquire(['f1', 'f3'], 'b', at(2_999), at(5_999))).toEqual(new Set(['f3']));
    expect(await store.holderOf('f1')).toEqual({ holder: 'a', expiresAt: at(3_000) });
  });

  it.skipIf(skip)('lets the holder renew, and another worker take the feed only once the lease has expired', async () => {
    expect(await store.acquire(['g1'], 'a', at(0), at(3_000))).toEqual(new Set(['g1']));
    expect(await store.acquire(['g1'], 'a', at(1_000), at(4_000))).toEqual(new Set(['g1']));
    expect(await store.acquire(['g1'], 'b', at(3_999), at(6_999))).toEqual(new Set());
    expect(await store.acquire(['g1'], 'b', at(4_000), at(7_000))).toEqual(new Set(['g1']));
    // The old holder cannot renew what it lost.
    expect(await store.acquire(['g1'], 'a', at(4_001), at(7_001))).toEqual(new Set());
  });

  it.skipIf(skip)('releases only the releasing worker’s own leases', async () => {
    await store.acquire(['h1'], 'a', at(0), at(3_000));
    await store.acquire(['h2'], 'b', at(0), at(3_000));
    await store.release(['h1', 'h2'], 'a');
    expect(await store.holderOf('h1')).toBeNull();
    expect((await store.holderOf('h2'))?.holder).toBe('b');
    expect(await store.acquire(['h1'], 'b', at(1), at(3_001))).toEqual(new Set(['h1']));
  });
});

/**
 * Two schedulers, each with its own connection pool and worker id, over one Postgres schema:
 * what two slim processes sharing a database do. PGlite is one connection per process, so this
 * runs on Postgres only (CI sets TEST_DATABASE_URL).
 */
describe.skipIf(TEST_DATABASE_URL === undefined)('two slim workers sharing feeds through leases (Postgres)', () => {
  const url = TEST_DATABASE_URL ?? '';
  const schema = uniqueSchema('slim_two_workers');
  const TTL_MS = 3_000;
  const INTERVAL_MS = 1_000;
  const STEP_MS = 250;
  const feeds: ScheduledFeed[] = Array.from({ length: 8 }, (_, i) => ({ id: `feed_shared_${i}`, intervalMs: INTERVAL_MS }));
  const databases: OpenDatabase[] = [];
  const schedulers: FeedScheduler[] = [];
  const fetches: { worker: string; feedId: string; atMs: number }[] = [];
  const clock = new ManualClock(at(0));

  const newWorker = async (workerId: string) => {
    const database = await openDatabase({ part: 'slim', url, dataDir: 'memory://', schema });
    databases.push(database);
    const leases = new FeedLeaseKeeper({ store: new LeaseStore(database.db), workerId, ttlMs: TTL_MS, clock });
    const scheduler = new FeedScheduler({
      clock,
      random: () => 0.5, // both fire at the same instants: the worst case for double work
      leases,
      loadFeeds: async () => feeds,
      job: async (feedId) => {
        fetches.push({ worker: workerId, feedId, atMs: clock.now().getTime() });
      },
      logger: createLogger('slim', 'silent'),
    });
    schedulers.push(scheduler);
    return scheduler;
  };
  /** Moves the shared clock in small steps, letting both workers finish what each step started. */
  const run = async (ms: number, live: FeedScheduler[]) => {
    for (let elapsed = 0; elapsed < ms; elapsed += STEP_MS) {
      clock.advance(STEP_MS);
      for (const s of live) await s.whenIdle();
    }
  };
  const workersOf = (feedId: string, sinceMs = 0) => new Set(fetches.filter((f) => f.feedId === feedId && f.atMs >= sinceMs).map((f) => f.worker));

  let a: FeedScheduler;
  let b: FeedScheduler;
  beforeAll(async () => {
    a = await newWorker('worker_a');
    b = await newWorker('worker_b');
  });
  afterAll(async () => {
    for (const s of schedulers) await s.stop();
    for (const d of databases) await d.close();
    await dropSchema(url, schema);
  });

  it('fetches each feed on exactly one worker', async () => {
    await Promise.all([a.start(), b.start()]);
    await run(10 * INTERVAL_MS, [a, b]);
    for (const feed of feeds) {
      expect(workersOf(feed.id).size, feed.id).toBe(1);
      expect(fetches.filter((f) => f.feedId === feed.id).length, feed.id).toBeGreaterThanOrEqual(5);
    }
  });

  it('moves a stopped worker’s feeds to the other once their leases expire, never two holders within one lease', async () => {
    const stoppedAtMs = clock.now().getTime();
    // Which worker won which feed is up to the database; the one holding more feeds dies.
    const ofA = feeds.filter((f) => workersOf(f.id).has('worker_a')).map((f) => f.id);
    const ofB = feeds.filter((f) => workersOf(f.id).has('worker_b')).map((f) => f.id);
    const [dying, survivor, survivorId, orphaned] = ofA.length >= ofB.length ? [a, b, 'worker_b', ofA] : [b, a, 'worker_a', ofB];
    expect(orphaned.length).toBeGreaterThan(0);
    // It dies: its timers stop, its leases are not released.
    await dying.stop();
    await run(TTL_MS + 3 * INTERVAL_MS, [survivor]);
    for (const id of orphaned) expect(workersOf(id, stoppedAtMs + 1)).toEqual(new Set([survivorId]));
    // Per feed, a change of worker comes at least one TTL after the previous worker's last fetch.
    for (const feed of feeds) {
      const log = fetches.filter((f) => f.feedId === feed.id);
      for (let i = 1; i < log.length; i += 1) {
        const [prev, next] = [log[i - 1], log[i]];
        if (prev !== undefined && next !== undefined && prev.worker !== next.worker) expect(next.atMs - prev.atMs).toBeGreaterThanOrEqual(TTL_MS);
      }
    }
  });
});
