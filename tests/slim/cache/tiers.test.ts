import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { sourceCache } from '../../../db/schema/slim.ts';
import { DatabaseTier, MemoryTier, RedisTier, type CacheTier } from '../../../slim/cache/index.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';
import { ManualClock } from '../service/support/manual-clock.ts';
import { entryOf, weatherFeedOf, weatherObservation } from './support/answers.ts';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
const TTL_MS = 15_000;

interface Made {
  tier: CacheTier;
  cleanup?: () => Promise<void>;
}

/** The contract every tier is held to, whatever holds it; `make` answers a tier with its own state and the given clock. */
function tierContract(name: string, make: (clock: ManualClock) => Promise<Made>) {
  describe(`${name} tier`, () => {
    const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
    let made: Made;
    beforeAll(async () => {
      made = await make(clock);
    });
    afterAll(async () => {
      await made?.tier.close();
      await made?.cleanup?.();
    });
    const key = () => `v1:open-meteo:${randomUUID()}`;
    const entryNow = (temperatureC = 12.5, ttlMs = TTL_MS) => {
      const feed = weatherFeedOf('feed_a');
      return entryOf(weatherObservation(feed, clock.now(), clock.now(), temperatureC), clock.now(), ttlMs);
    };

    it('misses a key nothing was stored under', async () => {
      expect(await made.tier.get(key())).toEqual({ status: 'miss' });
    });

    it('answers an entry as it was stored', async () => {
      const k = key();
      const entry = entryNow();
      await made.tier.set(k, entry);
      expect(await made.tier.get(k)).toEqual({ status: 'hit', entry });
    });

    it('misses an entry from the instant it expires', async () => {
      const k = key();
      await made.tier.set(k, entryNow(12.5, 1_000));
      clock.advance(999);
      expect((await made.tier.get(k)).status).toBe('hit');
      clock.advance(1);
      expect(await made.tier.get(k)).toEqual({ status: 'miss' });
    });

    it('misses an entry stored further ahead than replicas clocks may differ', async () => {
      const k = key();
      const ahead = entryOf(weatherObservation(weatherFeedOf('feed_a'), clock.now(), clock.now()), new Date(clock.now().getTime() + 60_000), TTL_MS);
      await made.tier.set(k, ahead);
      expect(await made.tier.get(k)).toEqual({ status: 'miss' });
    });

    it('replaces an entry stored again under the same key', async () => {
      const k = key();
      await made.tier.set(k, entryNow(10));
      const newer = entryNow(11);
      await made.tier.set(k, newer);
      expect(await made.tier.get(k)).toEqual({ status: 'hit', entry: newer });
    });

    it('keeps the entries of different keys apart', async () => {
      const [a, b] = [key(), key()];
      await made.tier.set(a, entryNow(1));
      await made.tier.set(b, entryNow(2));
      const [ha, hb] = [await made.tier.get(a), await made.tier.get(b)];
      expect(ha.status === 'hit' && ha.entry.answer.value).toBe(1);
      expect(hb.status === 'hit' && hb.entry.answer.value).toBe(2);
    });
  });
}

tierContract('L1 in-process', (clock) => Promise.resolve({ tier: new MemoryTier({ entriesMax: 100 }, clock) }));

describe.skipIf(TEST_REDIS_URL === undefined)('with Redis', () => {
  const prefix = `test:source-cache:${randomUUID()}:`;
  const redis = new Redis(TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, enableOfflineQueue: false });
  beforeAll(() => redis.connect());
  afterAll(() => redis.disconnect());

  tierContract('L2 Redis', (clock) => Promise.resolve({ tier: new RedisTier(redis, clock, { keyPrefix: prefix }) }));

  it('answers corrupt for a stored value that is not a cache entry', async () => {
    const tier = new RedisTier(redis, new ManualClock(), { keyPrefix: prefix });
    await redis.set(`${prefix}not-json`, '{"answer":', 'PX', 10_000);
    await redis.set(`${prefix}wrong-shape`, JSON.stringify({ answer: { category: 'weather', value: 'warm' }, storedAtMs: 1, expiresAtMs: 2 }), 'PX', 10_000);
    expect(await tier.get('not-json')).toEqual({ status: 'corrupt' });
    expect(await tier.get('wrong-shape')).toEqual({ status: 'corrupt' });
  });

  it('gives the Redis key the remaining life of its entry, so Redis drops it on its own', async () => {
    const clock = new ManualClock();
    const tier = new RedisTier(redis, clock, { keyPrefix: prefix });
    await tier.set('short', entryOf(weatherObservation(weatherFeedOf('f'), clock.now(), clock.now()), clock.now(), 1_000));
    const pttl = await redis.pttl(`${prefix}short`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1_000);
  });
});

/** L3 on both databases it runs on: PGlite (embedded) and PostgreSQL. */
function databaseTierSuite(name: string, open: (schema: string) => Promise<OpenDatabase>, cleanup: (schema: string) => Promise<void>) {
  describe(name, () => {
    const schema = uniqueSchema('slim_cache');
    let database: OpenDatabase;
    beforeAll(async () => {
      database = await open(schema);
    });
    afterAll(async () => {
      await database?.close();
      await cleanup(schema);
    });

    tierContract(`L3 ${name}`, (clock) => Promise.resolve({ tier: new DatabaseTier(database.db, clock) }));

    it('answers corrupt for a stored row whose answer does not parse', async () => {
      const clock = new ManualClock();
      const tier = new DatabaseTier(database.db, clock);
      const now = clock.now();
      await database.db.insert(sourceCache).values({ key: 'corrupt-row', value: { category: 'weather', value: 'warm' }, storedAt: now, expiresAt: new Date(now.getTime() + TTL_MS) });
      expect(await tier.get('corrupt-row')).toEqual({ status: 'corrupt' });
    });

    it('prunes expired rows only, at most the given number per call', async () => {
      const clock = new ManualClock(new Date('2030-01-01T00:00:00Z'));
      const tier = new DatabaseTier(database.db, clock);
      const obs = weatherObservation(weatherFeedOf('f'), clock.now(), clock.now());
      // Pruning on write happens once per interval; these writes share one instant after the first.
      for (let i = 0; i < 5; i += 1) await tier.set(`prune-short-${i}`, entryOf(obs, clock.now(), 1_000));
      await tier.set('prune-long', entryOf(obs, clock.now(), 60_000));
      clock.advance(1_000);
      expect(await tier.pruneExpired(3)).toBe(3);
      expect(await tier.pruneExpired(3)).toBe(2);
      expect(await tier.pruneExpired(3)).toBe(0);
      expect((await tier.get('prune-long')).status).toBe('hit');
    });
  });
}

databaseTierSuite(
  'on PGlite',
  (schema) => openDatabase({ part: 'slim', dataDir: 'memory://', schema }),
  async () => {},
);

describe.skipIf(TEST_DATABASE_URL === undefined)('with PostgreSQL', () => {
  const url = TEST_DATABASE_URL ?? '';
  databaseTierSuite(
    'on PostgreSQL',
    (schema) => openDatabase({ part: 'slim', url, dataDir: 'unused', schema }),
    (schema) => dropSchema(url, schema),
  );
});

describe('L1 in-process tier', () => {
  it('drops the least recently used entry beyond its bound', async () => {
    const clock = new ManualClock();
    const tier = new MemoryTier({ entriesMax: 2 }, clock);
    const entry = entryOf(weatherObservation(weatherFeedOf('f'), clock.now(), clock.now()), clock.now(), TTL_MS);
    await tier.set('a', entry);
    await tier.set('b', entry);
    await tier.get('a');
    await tier.set('c', entry);
    expect(tier.size).toBe(2);
    expect((await tier.get('a')).status).toBe('hit');
    expect((await tier.get('b')).status).toBe('miss');
    expect((await tier.get('c')).status).toBe('hit');
  });
});
