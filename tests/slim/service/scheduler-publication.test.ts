import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { loadConfig, type Config } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import { ErrorBody } from '../../../schemas/index.ts';
import { createSlimWorker, type SlimWorker } from '../../../slim/worker.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { ManualClock } from './support/manual-clock.ts';
import { OpenMeteoSource } from './support/open-meteo-source.ts';
import { CLUSTER_SECRET, PROVIDER_A, weatherFeed } from './support/slim-node.ts';
import { useSlimRig } from './support/slim-rig.ts';

const MINUTE_MS = 60_000;

describe('publication rule (deviation and heartbeat) and market hours, driven by a manual clock', () => {
  const source = new OpenMeteoSource();
  let database: OpenDatabase;
  let config: Config;
  let clock: ManualClock;
  let worker: SlimWorker;

  beforeAll(async () => {
    await source.start();
    config = loadConfig({ CLUSTER_SECRET, DATA_DIR: 'memory://', LOG_LEVEL: 'silent', SOURCE_ORIGINS_ALLOWED: source.url }, 'slim');
    database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: uniqueSchema('slim_publish') });
  });
  afterAll(async () => {
    await database?.close();
    await source.stop();
  });
  const startAt = (at: Date) => {
    clock = new ManualClock(at);
    source.observedAt = clock.now();
    worker = createSlimWorker({ config, logger: createLogger('slim', 'silent'), db: database.db, clock, random: () => 0.5 });
  };
  beforeEach(() => {
    source.requests = 0;
    source.temperatureC = 10;
    startAt(new Date(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS));
  });
  afterEach(() => worker.stop());

  /** One interval later the source has a new reading at `temperatureC`, and the worker has fetched it. */
  const nextReading = async (temperatureC: number) => {
    source.advanceMinutes(1);
    source.temperatureC = temperatureC;
    clock.advance(MINUTE_MS);
    await worker.scheduler.whenIdle();
  };
  const statsOf = async (id: string) => {
    const s = (await worker.feeds.get(PROVIDER_A, id)).stats;
    return { published: s.accepted + s.review + s.rejected, skipped: s.skipped };
  };

  it('holds back a reading within the deviation and publishes one beyond it', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS, deviationBps: 100 } }));
    clock.advance(0);
    await worker.scheduler.whenIdle();
    expect(await statsOf(feed.id)).toEqual({ published: 1, skipped: 0 });
    await nextReading(10.1); // exactly 1%: not more than the threshold
    expect(await statsOf(feed.id)).toEqual({ published: 1, skipped: 1 });
    await nextReading(10.2); // 2% from the last published 10
    expect(await statsOf(feed.id)).toEqual({ published: 2, skipped: 1 });
    expect((await worker.feeds.get(PROVIDER_A, feed.id)).lastObservation?.value).toBe(10.2);
  });

  it('publishes an unmoved value once the heartbeat has elapsed since the last publication', async () => {
    const feed = await worker.feeds.register(
      PROVIDER_A,
      weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS, heartbeatMs: 3 * MINUTE_MS, deviationBps: 100 } }),
    );
    clock.advance(0);
    await worker.scheduler.whenIdle();
    await nextReading(10);
    await nextReading(10);
    expect(await statsOf(feed.id)).toEqual({ published: 1, skipped: 2 });
    await nextReading(10); // three minutes after the first publication
    expect(await statsOf(feed.id)).toEqual({ published: 2, skipped: 2 });
  });

  it('publishes every new reading when the schedule sets neither heartbeat nor deviation', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url, { schedule: { intervalMs: MINUTE_MS } }));
    clock.advance(0);
    await worker.scheduler.whenIdle();
    await nextReading(10);
    await nextReading(10);
    expect(await statsOf(feed.id)).toEqual({ published: 3, skipped: 0 });
  });

  it('does not fetch a market feed outside the US session, shows it as market closed, and fetches once the session opens', async () => {
    // Saturday 2025-03-08 12:00 New York (EST).
    startAt(new Date('2025-03-08T17:00:00Z'));
    // Stored directly: what matters here is the category, not the adapter, so the local weather stand-in serves.
    const record = await worker.storage.feeds.insert({
      id: 'feed_market_hours',
      ownerKeyId: PROVIDER_A.id,
      name: 'market feed',
      category: 'market',
      assetId: 'market-hours-test',
      source: weatherFeed(source.url).source,
      schedule: { intervalMs: 30 * MINUTE_MS },
      quality: {},
      now: clock.now(),
    });
    worker.scheduler.schedule({ id: record.id, intervalMs: record.schedule.intervalMs }, { firstDelayMs: 0 });
    clock.advance(0);
    await worker.scheduler.whenIdle();
    let view = await worker.feeds.get(PROVIDER_A, record.id);
    expect(source.requests).toBe(0);
    expect(view.scheduleState).toBe('market_closed');
    expect(view.stats.fetchErrors).toBe(0);
    // On to Monday 2025-03-10 09:30 New York (EDT since Sunday) = 13:30 UTC, half an hour at a time.
    const mondayOpenMs = Date.parse('2025-03-10T13:30:00Z');
    while (clock.now().getTime() < mondayOpenMs) {
      clock.advance(30 * MINUTE_MS);
      await worker.scheduler.whenIdle();
    }
    expect(source.requests).toBeGreaterThanOrEqual(1);
    view = await worker.feeds.get(PROVIDER_A, record.id);
    expect(view.scheduleState).toBe('running');
  });

  it('shows a paused feed as paused and an active weather feed as running', async () => {
    const feed = await worker.feeds.register(PROVIDER_A, weatherFeed(source.url));
    expect(feed.scheduleState).toBe('running');
    const paused = await worker.feeds.patch(PROVIDER_A, feed.id, { status: 'paused' });
    expect(paused.scheduleState).toBe('paused');
  });
});

describe('schedule validation at registration', () => {
  const rig = useSlimRig();
  const detailPaths = (body: unknown) => ((ErrorBody.parse(body).error.details ?? []) as { path: string }[]).map((d) => d.path);

  it('rejects a heartbeat shorter than the interval with 400 naming schedule.heartbeatMs', async () => {
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: weatherFeed(rig.source.url, { schedule: { intervalMs: 60_000, heartbeatMs: 30_000 } }),
    });
    expect(res.status).toBe(400);
    expect(ErrorBody.parse(res.body).error.code).toBe('INVALID_INPUT');
    expect(detailPaths(res.body)).toContain('schedule.heartbeatMs');
  });

  it('rejects a deviation below one basis point with 400 naming schedule.deviationBps', async () => {
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: weatherFeed(rig.source.url, { schedule: { intervalMs: 60_000, deviationBps: 0 } }),
    });
    expect(res.status).toBe(400);
    expect(detailPaths(res.body)).toContain('schedule.deviationBps');
  });

  it('accepts a heartbeat equal to the interval and returns the schedule as given', async () => {
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: weatherFeed(rig.source.url, { schedule: { intervalMs: 60_000, heartbeatMs: 60_000, deviationBps: 25 } }),
    });
    expect(res.status).toBe(201);
    expect((res.body as { schedule: unknown }).schedule).toEqual({ intervalMs: 60_000, heartbeatMs: 60_000, deviationBps: 25 });
  });
});
