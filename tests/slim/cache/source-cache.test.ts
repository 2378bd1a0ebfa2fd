import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { sourceCache } from '../../../db/schema/slim.ts';
import { AppError } from '../../../runtime/errors.ts';
import type { Observation } from '../../../schemas/index.ts';
import {
  connectCacheRedis,
  DatabaseTier,
  MemoryTier,
  RedisTier,
  SourceCache,
  sourceCacheKey,
  type CacheableFeed,
  type CacheTier,
} from '../../../slim/cache/index.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { ManualClock } from '../service/support/manual-clock.ts';
import { closedPort, TcpProxy } from './support/ports.ts';
import { weatherFeedOf, weatherObservation } from './support/answers.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
const TTL_MS = 15_000;

/** The fetch behind the cache, as the outbound guard would hand it over: counts its calls, can fail or be held. */
class ScriptedSource {
  calls = 0;
  failing = false;
  temperatureC = 12.5;
  private held: Promise<void> | null = null;
  private release: (() => void) | null = null;

  constructor(private readonly clock: ManualClock) {}

  hold(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  letGo(): void {
    this.release?.();
    this.held = null;
  }

  readonly fetch = async (feed: CacheableFeed): Promise<Observation> => {
    this.calls += 1;
    if (this.held !== null) await this.held;
    if (this.failing) throw new AppError('SOURCE_FAILED', 'Open-Meteo answered 500');
    return weatherObservation(feed, new Date(this.clock.now().getTime() - 60_000), this.clock.now(), this.temperatureC);
  };
}

describe('source answer cache', () => {
  let database: OpenDatabase;
  beforeAll(async () => {
    database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: uniqueSchema('slim_cache') });
  });
  afterAll(() => database?.close());

  /** A worker's cache: its own L1, the given middle tiers, and L3 on the file's database. */
  const cacheOf = (clock: ManualClock, middle: CacheTier[] = []) =>
    new SourceCache({
      tiers: [new MemoryTier({ entriesMax: 100 }, clock), ...middle, new DatabaseTier(database.db, clock)],
      clock,
      ttlMsOf: () => TTL_MS,
    });
  // Each test asks its own source (a latitude no other test uses), since L3 is shared by the file.
  let place = 0;
  const setUp = (middle: (clock: ManualClock) => CacheTier[] = () => []) => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    const latitude = (place += 1);
    return { clock, latitude, cache: cacheOf(clock, middle(clock)), source: new ScriptedSource(clock) };
  };

  it('answers the first lookup from the source and gives the fetching feed its observation as it came', async () => {
    const { cache, source, latitude } = setUp();
    const feed = weatherFeedOf('feed_a', { latitude });
    const got = await cache.wrap(source.fetch)(feed);
    expect(source.calls).toBe(1);
    expect(got.feedId).toBe('feed_a');
    expect(got.value).toBe(12.5);
  });

  it('answers another feed of the same source from L1, as its own observation, without asking the source', async () => {
    const { cache, source, latitude, clock } = setUp();
    const fetch = cache.wrap(source.fetch);
    const first = await fetch(weatherFeedOf('feed_a', { latitude }));
    clock.advance(2_000);
    const second = await fetch(weatherFeedOf('feed_b', { latitude }));
    expect(source.calls).toBe(1);
    expect(second).toEqual({ ...first, feedId: 'feed_b', assetId: 'asset-feed_b', receivedAt: clock.now().toISOString() });
    expect(cache.counters().l1).toMatchObject({ hits: 1, misses: 1 });
  });

  it('asks the source again once the entry has expired', async () => {
    const { cache, source, latitude, clock } = setUp();
    const fetch = cache.wrap(source.fetch);
    await fetch(weatherFeedOf('feed_a', { latitude }));
    clock.advance(TTL_MS - 1);
    await fetch(weatherFeedOf('feed_b', { latitude }));
    expect(source.calls).toBe(1);
    clock.advance(1);
    source.temperatureC = 13;
    const after = await fetch(weatherFeedOf('feed_c', { latitude }));
    expect(source.calls).toBe(2);
    expect(after.value).toBe(13);
  });

  it('asks the source for another place or another metric: each is its own entry', async () => {
    const { cache, source, latitude } = setUp();
    const fetch = cache.wrap(source.fetch);
    await fetch(weatherFeedOf('feed_a', { latitude }));
    await fetch(weatherFeedOf('feed_b', { latitude, metric: 'wind_speed_10m' }));
    await fetch(weatherFeedOf('feed_c', { latitude: latitude + 0.5 }));
    expect(source.calls).toBe(3);
  });

  it('never answers a feed with an entry older than half its interval, so its next poll reaches the source', async () => {
    const { cache, source, latitude, clock } = setUp();
    const fetch = cache.wrap(source.fetch);
    const feed = weatherFeedOf('feed_a', { latitude, intervalMs: 10_000 });
    await fetch(feed);
    clock.advance(4_999);
    await fetch(weatherFeedOf('feed_b', { latitude, intervalMs: 10_000 }));
    expect(source.calls).toBe(1);
    clock.advance(5_001);
    await fetch(feed);
    expect(source.calls).toBe(2);
  });

  it('does not hand a feed, through a shared lookup, an answer older than half its interval', async () => {
    const { cache, source, latitude, clock } = setUp();
    const fetch = cache.wrap(source.fetch);
    await fetch(weatherFeedOf('feed_a', { latitude, intervalMs: 60_000 }));
    clock.advance(10_000);
    const [slow, fast] = await Promise.all([
      fetch(weatherFeedOf('feed_b', { latitude, intervalMs: 60_000 })),
      fetch(weatherFeedOf('feed_c', { latitude, intervalMs: 10_000 })),
    ]);
    expect(source.calls).toBe(2);
    expect(slow.receivedAt).toBe(clock.now().toISOString());
    expect(fast.feedId).toBe('feed_c');
    expect(cache.counters()).toMatchObject({ lookups: 3, hits: 1, coalesced: 0, upstreamFetches: 2 });
  });

  it('never caches a failed fetch: the next lookup asks the source again', async () => {
    const { cache, source, latitude } = setUp();
    const fetch = cache.wrap(source.fetch);
    source.failing = true;
    await expect(fetch(weatherFeedOf('feed_a', { latitude }))).rejects.toMatchObject({ code: 'SOURCE_FAILED' });
    await cache.flush();
    source.failing = false;
    await expect(fetch(weatherFeedOf('feed_a', { latitude }))).resolves.toMatchObject({ value: 12.5 });
    expect(source.calls).toBe(2);
  });

  it('lets a second worker on the same database take the answer from L3 and then serve it from its own L1', async () => {
    const first = setUp();
    const feed = weatherFeedOf('feed_a', { latitude: first.latitude });
    await first.cache.wrap(first.source.fetch)(feed);
    await first.cache.flush();

    const second = cacheOf(first.clock);
    const fetch = second.wrap(first.source.fetch);
    const taken = await fetch(weatherFeedOf('feed_b', { latitude: first.latitude }));
    await second.flush();
    await fetch(weatherFeedOf('feed_c', { latitude: first.latitude }));
    expect(first.source.calls).toBe(1);
    expect(taken.feedId).toBe('feed_b');
    const counters = second.counters();
    expect(counters.l3).toMatchObject({ hits: 1, misses: 0 });
    expect(counters.l1).toMatchObject({ hits: 1, misses: 1 });
  });

  it('keeps the original expiry when an entry is copied up: a copy never outlives the answer', async () => {
    const first = setUp();
    await first.cache.wrap(first.source.fetch)(weatherFeedOf('feed_a', { latitude: first.latitude }));
    await first.cache.flush();
    first.clock.advance(TTL_MS - 1_000);
    const second = cacheOf(first.clock);
    const fetch = second.wrap(first.source.fetch);
    await fetch(weatherFeedOf('feed_b', { latitude: first.latitude }));
    await second.flush();
    first.clock.advance(1_000);
    await fetch(weatherFeedOf('feed_c', { latitude: first.latitude }));
    expect(first.source.calls).toBe(2);
  });

  it('coalesces concurrent lookups of one source into one fetch, each feed getting its own observation', async () => {
    const { cache, source, latitude } = setUp();
    const fetch = cache.wrap(source.fetch);
    source.hold();
    const pending = ['feed_a', 'feed_b', 'feed_c'].map((id) => fetch(weatherFeedOf(id, { latitude })));
    await vi.waitFor(() => expect(source.calls).toBe(1));
    source.letGo();
    const got = await Promise.all(pending);
    expect(source.calls).toBe(1);
    expect(got.map((o) => o.feedId)).toEqual(['feed_a', 'feed_b', 'feed_c']);
    expect(new Set(got.map((o) => o.value))).toEqual(new Set([12.5]));
    expect(cache.counters()).toMatchObject({ lookups: 3, coalesced: 2, upstreamFetches: 1 });
  });

  it('fails every coalesced lookup when the one fetch fails, and caches nothing', async () => {
    const { cache, source, latitude } = setUp();
    const fetch = cache.wrap(source.fetch);
    source.failing = true;
    source.hold();
    const pending = ['feed_a', 'feed_b'].map((id) => fetch(weatherFeedOf(id, { latitude })));
    await vi.waitFor(() => expect(source.calls).toBe(1));
    source.letGo();
    const settled = await Promise.allSettled(pending);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    source.failing = false;
    await fetch(weatherFeedOf('feed_a', { latitude }));
    expect(source.calls).toBe(2);
  });

  it('counts a corrupt L3 row as a miss and asks the source', async () => {
    const { cache, source, latitude, clock } = setUp();
    const feed = weatherFeedOf('feed_a', { latitude });
    await database.db
      .insert(sourceCache)
      .values({ key: sourceCacheKey(feed.source), value: { category: 'weather', value: 'warm' }, storedAt: clock.now(), expiresAt: new Date(clock.now().getTime() + TTL_MS) });
    await expect(cache.wrap(source.fetch)(feed)).resolves.toMatchObject({ value: 12.5 });
    expect(source.calls).toBe(1);
    expect(cache.counters().l3).toMatchObject({ misses: 1, corrupt: 1, errors: 0 });
  });

  it('skips a tier whose backend is down without failing the fetch, and counts the failures', async () => {
    const port = await closedPort();
    const redis = connectCacheRedis(`redis://127.0.0.1:${port}`);
    const { cache, source, latitude } = setUp((clock) => [new RedisTier(redis, clock, { keyPrefix: 'test:down:' })]);
    try {
      const fetch = cache.wrap(source.fetch);
      await expect(fetch(weatherFeedOf('feed_a', { latitude }))).resolves.toMatchObject({ value: 12.5 });
      await cache.flush();
      await fetch(weatherFeedOf('feed_b', { latitude }));
      const counters = cache.counters();
      // The lookup read and the fill write both failed; the second lookup stopped at L1.
      expect(counters.l2).toMatchObject({ backend: 'redis', hits: 0, misses: 0, errors: 2 });
      expect(counters.l1).toMatchObject({ hits: 1 });
      expect(source.calls).toBe(1);
    } finally {
      redis.disconnect();
    }
  });

  it('passes push feeds straight through, uncounted', async () => {
    const { cache, clock } = setUp();
    const push: CacheableFeed = { id: 'feed_p', assetId: 'container-7', category: 'iot', source: { adapter: 'push', params: { deviceId: 'reefer-7', metric: 'temperature', unit: '°C' } } };
    let calls = 0;
    const fetch = cache.wrap((feed: CacheableFeed) => {
      calls += 1;
      return Promise.resolve(weatherObservation(feed, clock.now(), clock.now()));
    });
    await fetch(push);
    await fetch(push);
    expect(calls).toBe(2);
    expect(cache.counters().lookups).toBe(0);
  });

  it('hands back the fetch itself when disabled, and says so in its counters', () => {
    const clock = new ManualClock();
    const cache = new SourceCache({ tiers: [new MemoryTier({ entriesMax: 1 }, clock)], clock, ttlMsOf: () => TTL_MS, enabled: false });
    const source = new ScriptedSource(clock);
    expect(cache.wrap(source.fetch)).toBe(source.fetch);
    expect(cache.counters()).toMatchObject({ enabled: false, l1: null, l2: null, l3: null, hitRatio: null });
  });

  it('reports hits and misses per tier and the overall hit ratio: one fetch and three hits make 0.75', async () => {
    const { cache, source, latitude } = setUp();
    expect(cache.counters().hitRatio).toBeNull();
    const fetch = cache.wrap(source.fetch);
    for (const id of ['feed_a', 'feed_b', 'feed_c', 'feed_d']) await fetch(weatherFeedOf(id, { latitude }));
    expect(cache.counters()).toEqual({
      enabled: true,
      lookups: 4,
      hits: 3,
      coalesced: 0,
      upstreamFetches: 1,
      writesDropped: 0,
      l1: { backend: 'memory', hits: 3, misses: 1, corrupt: 0, errors: 0 },
      l2: null,
      l3: { backend: 'database', hits: 0, misses: 1, corrupt: 0, errors: 0 },
      hitRatio: 0.75,
    });
  });

  describe.skipIf(TEST_REDIS_URL === undefined)('with Redis as L2', () => {
    const target = new URL(TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
    const prefix = `test:source-cache:${randomUUID()}:`;
    const redis = new Redis(target.toString(), { lazyConnect: true, enableOfflineQueue: false });
    beforeAll(() => redis.connect());
    afterAll(() => redis.disconnect());

    it('fills L2 and L1 from an L3 hit', async () => {
      const first = setUp();
      await first.cache.wrap(first.source.fetch)(weatherFeedOf('feed_a', { latitude: first.latitude }));
      await first.cache.flush();
      const second = cacheOf(first.clock, [new RedisTier(redis, first.clock, { keyPrefix: prefix })]);
      const fetch = second.wrap(first.source.fetch);
      await fetch(weatherFeedOf('feed_b', { latitude: first.latitude }));
      await second.flush();
      const key = sourceCacheKey(weatherFeedOf('feed_a', { latitude: first.latitude }).source);
      expect((await new RedisTier(redis, first.clock, { keyPrefix: prefix }).get(key)).status).toBe('hit');
      await fetch(weatherFeedOf('feed_c', { latitude: first.latitude }));
      expect(second.counters()).toMatchObject({ l1: { hits: 1, misses: 1 }, l2: { hits: 0, misses: 1 }, l3: { hits: 1 } });
      expect(first.source.calls).toBe(1);
    });

    it('answers from L2 what another worker fetched, before asking the database', async () => {
      const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
      const latitude = (place += 1);
      const tierA = new RedisTier(redis, clock, { keyPrefix: prefix });
      const a = cacheOf(clock, [tierA]);
      const source = new ScriptedSource(clock);
      await a.wrap(source.fetch)(weatherFeedOf('feed_a', { latitude }));
      await a.flush();
      const b = cacheOf(clock, [new RedisTier(redis, clock, { keyPrefix: prefix })]);
      await b.wrap(source.fetch)(weatherFeedOf('feed_b', { latitude }));
      expect(b.counters()).toMatchObject({ l2: { hits: 1 }, l3: { hits: 0, misses: 0 } });
      expect(source.calls).toBe(1);
    });

    it('uses L2 again by itself once Redis is reachable again', async () => {
      const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
      await proxy.up();
      const viaProxy = connectCacheRedis(`redis://127.0.0.1:${proxy.port}`);
      try {
        const { cache, source, latitude, clock } = setUp((c) => [new RedisTier(viaProxy, c, { keyPrefix: prefix })]);
        const fetch = cache.wrap(source.fetch);
        await vi.waitFor(() => expect(viaProxy.status).toBe('ready'));
        await proxy.down();
        await vi.waitFor(() => expect(viaProxy.status).not.toBe('ready'));
        await fetch(weatherFeedOf('feed_a', { latitude }));
        await cache.flush();
        expect(cache.counters().l2?.errors).toBeGreaterThan(0);
        await proxy.up();
        await vi.waitFor(() => expect(viaProxy.status).toBe('ready'), { timeout: 10_000, interval: 50 });
        // Past the TTL, so L1 and L3 no longer answer and the lookup reaches L2 (which the outage left empty).
        clock.advance(TTL_MS);
        await fetch(weatherFeedOf('feed_a', { latitude }));
        await cache.flush();
        const after = cacheOf(clock, [new RedisTier(viaProxy, clock, { keyPrefix: prefix })]);
        await after.wrap(source.fetch)(weatherFeedOf('feed_b', { latitude }));
        expect(after.counters().l2).toMatchObject({ hits: 1, errors: 0 });
        expect(source.calls).toBe(2);
      } finally {
        viaProxy.disconnect();
        await proxy.down();
      }
    });
  });
});
