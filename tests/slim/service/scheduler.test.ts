import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { loadConfig, type Config } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { jitteredDelayMs } from '../../../slim/scheduler/index.ts';
import { createSlimWorker, type SlimWorker } from '../../../slim/worker.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { ManualClock } from './support/manual-clock.ts';
import { OpenMeteoSource } from './support/open-meteo-source.ts';
import { CLUSTER_SECRET, PROVIDER_A, pushFeed, weatherFeed } from './support/slim-node.ts';

const MINUTE_MS = 60_000;

describe('jittered fetch delay', () => {
  it('moves each fetch by at most 10% of the interval either way', () => {
    expect(jitteredDelayMs(60_000, () => 0)).toBe(54_000);
    expect(jitteredDelayMs(60_000, () => 0.5)).toBe(60_000);
    expect(jitteredDelayMs(60_000, () => 0.999999)).toBeLessThanOrEqual(66_000);
  });
});

describe('feed scheduler, driven by a manual clock', () => {
  const source = new OpenMeteoSource();
  let database: OpenDatabase;
  let clock: ManualClock;
  let worker: SlimWorker;
  const workers: SlimWorker[] = [];
  let random = () => 0.5;

  let config: Config;
  const newWorker = (c: ManualClock) => {
    const w = createSlimWorker({ config, logger: createLogger('slim', 'silent'), db: database.db, clock: c, random: () => random() });
    workers.push(w);
    return w;
  };

  // One database for the suite: each test registers its own feeds, and stopped workers leave no timers behind.
  beforeAll(async () => {
    await source.start();
    // The local stand-in is the one source origin these workers may fetch from.
    // A short lease keeps its renewal timer (a third of the lease) below the fetch delays the tests inspect.
    // No source cache: these tests see each scheduled fetch as a request at the source (tests/slim/cache covers the cache).
    config = loadConfig(
      {
        CLUSTER_SECRET,
        DATA_DIR: 'memory://',
        LOG_LEVEL: 'silent',
        SOURCE_ORIGINS_ALLOWED: source.url,
        SOURCE_RETRY_TOTAL_MS_MAX: '2000',
        SCHEDULER_LEASE_TTL_MS: '6000',
        SOURCE_CACHE_ENABLED: 'false',
      },
      'slim',
    );
    database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: uniqueSchema('slim_sched') });
  });
  afterAll(async () => {
    await database?.close();
    await source.stop();
  });

  beforeEach(async () => {
    random = () => 0.5; // no jitter unless a test asks for it
    source.failing = false;
    source.delayMs = 0;
    source.requests = 0;
    source.inFlightMax = 0;
    // Whole minutes, like Open-Meteo's timestamps, so one interval of a minute is one new source reading.
    clock = new ManualClock(new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS));
    source.observedAt = clock.now();
    worker = newWorker(clock);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.stop();
  });

  /** Moves the clock and waits for the fetches it started (real HTTP to the local source). */
  const tick = async (ms: number, on = worker, c = clock) => {
    c.advance(ms);
    await on.scheduler.whenIdle();
  };
  /** The source publishes a new reading at the clock's current minute. */
  const newSourceReading = () => {
    source.observedAt = clock.now();
  };
  const stats = async (id: string) => (await worker.feeds.get(PROVIDER_A, id)).stats;

  it('fetches a newly registered pull feed at once, then once per interval', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS } }));
    await tick(0);
    expect(source.requests).toBe(1);
    expect((await stats(feed.id)).accepted).toBe(1);
    await tick(MINUTE_MS - 1);
    expect(source.requests).toBe(1);
    source.advanceMinutes(1);
    await tick(1);
    expect(source.requests).toBe(2);
    expect((await stats(feed.id)).accepted).toBe(2);
  });

  it('applies the jitter: with the largest draw the next fetch comes 10% after the interval', async () => {
    random = () => 1;
    await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: 10_000 } }));
    await tick(0);
    await tick(10_999);
    expect(source.requests).toBe(1);
    await tick(1);
    expect(source.requests).toBe(2);
  });

  it('does not evaluate a fetch whose source timestamp equals the last observation', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: 20_000 } }));
    await tick(0);
    await tick(20_000);
    await tick(20_000);
    expect(source.requests).toBe(3);
    const s = await stats(feed.id);
    expect(s.accepted + s.review + s.rejected).toBe(1);
  });

  it('counts a failed fetch on the feed and keeps fetching until the source is back', async () => {
    source.failing = true;
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS } }));
    await tick(0);
    let s = await stats(feed.id);
    expect(s.fetchErrors).toBe(1);
    expect(s.lastError).toMatch(/./);
    await tick(MINUTE_MS);
    expect((await stats(feed.id)).fetchErrors).toBe(2);
    source.failing = false;
    newSourceReading();
    await tick(MINUTE_MS);
    s = await stats(feed.id);
    expect(s.fetchErrors).toBe(2);
    expect(s.accepted).toBe(1);
  });

  it('stops fetching a paused feed and fetches again at once when it is resumed', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS } }));
    await tick(0);
    await worker.feeds.patch(PROVIDER_A, feed.id, { status: 'paused' });
    await tick(10 * MINUTE_MS);
    expect(source.requests).toBe(1);
    expect(worker.scheduler.isScheduled(feed.id)).toBe(false);
    await worker.feeds.patch(PROVIDER_A, feed.id, { status: 'active' });
    await tick(0);
    expect(source.requests).toBe(2);
  });

  it('applies a new interval immediately, without waiting out the old one', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS } }));
    await tick(0);
    await worker.feeds.patch(PROVIDER_A, feed.id, { schedule: { intervalMs: 10 * MINUTE_MS } });
    await tick(MINUTE_MS);
    expect(source.requests).toBe(1);
    await tick(9 * MINUTE_MS);
    expect(source.requests).toBe(2);
  });

  it('never fetches one feed twice at once, even across a pause and resume', async () => {
    source.delayMs = 200;
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: 1_000 } }));
    clock.advance(0); // the first fetch is now in flight
    clock.advance(10_000); // far past the interval: nothing may start while it runs
    await worker.feeds.patch(PROVIDER_A, feed.id, { status: 'paused' });
    await worker.feeds.patch(PROVIDER_A, feed.id, { status: 'active' });
    clock.advance(0); // the resumed schedule fires, and must wait for the fetch in flight
    await worker.scheduler.whenIdle();
    await tick(0);
    expect(source.requests).toBe(2);
    expect(source.inFlightMax).toBe(1);
  });

  it('schedules every active pull feed from storage when it starts, and nothing else', async () => {
    const pulled = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { assetId: 'a' }));
    const paused = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { assetId: 'b' }));
    await worker.feeds.patch(PROVIDER_A, paused.id, { status: 'paused' });
    await worker.storage.devices.insert({ id: 'reefer-7', ownerKeyId: PROVIDER_A.id, name: 'Reefer sensor', assetId: 'container-7', secret: 'k'.repeat(64), now: clock.now() });
    const pushed = await worker.feeds.register(PROVIDER_A, pushFeed());
    await worker.stop();

    const restartedClock = new ManualClock(clock.now());
    const restarted = newWorker(restartedClock);
    await restarted.scheduler.start();
    expect(restarted.scheduler.isScheduled(pulled.id)).toBe(true);
    expect(restarted.scheduler.isScheduled(paused.id)).toBe(false);
    expect(restarted.scheduler.isScheduled(pushed.id)).toBe(false);
    // First fetches after a restart are spread over a few seconds, not one interval.
    expect(Math.max(...restartedClock.pendingDelaysMs())).toBeLessThanOrEqual(5_000);
  });

  it('stop() waits for the fetch in flight and fires nothing afterwards', async () => {
    source.delayMs = 200;
    await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: 1_000 } }));
    clock.advance(0);
    await worker.stop();
    expect(source.inFlight).toBe(0);
    clock.advance(60 * MINUTE_MS);
    await worker.scheduler.whenIdle();
    expect(source.requests).toBe(1);
  });
});
