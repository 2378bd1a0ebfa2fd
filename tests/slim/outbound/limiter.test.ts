import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireSlot, MemoryRateLimiter, RedisRateLimiter, type SourceRateLimiter } from '../../../slim/outbound/limiter.ts';
import { createSourceRateLimiter } from '../../../slim/outbound/index.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;

/** The contract every limiter backend is held to; `make` answers a fresh limiter with its own state. */
function limiterContract(name: string, make: () => Promise<SourceRateLimiter>, skip = false) {
  describe.skipIf(skip)(`${name} rate limiter`, () => {
    let limiter: SourceRateLimiter;
    beforeAll(async () => {
      limiter = await make();
    });
    afterAll(() => limiter.close());
    const key = () => `source-${randomUUID()}`;

    it('grants as many slots as the limit within one window, then answers a wait no longer than the window', async () => {
      const k = key();
      const rate = { limit: 3, windowMs: 10_000 };
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await limiter.take(k, rate));
      expect(answers).toEqual([0, 0, 0]);
      const wait = await limiter.take(k, rate);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(10_000);
    });

    it('keeps each source to its own limit', async () => {
      const rate = { limit: 1, windowMs: 10_000 };
      const a = key();
      expect(await limiter.take(a, rate)).toBe(0);
      expect(await limiter.take(a, rate)).toBeGreaterThan(0);
      expect(await limiter.take(key(), rate)).toBe(0);
    });

    it('grants again once the window has moved past the earlier slots', async () => {
      const k = key();
      const rate = { limit: 1, windowMs: 100 };
      expect(await limiter.take(k, rate)).toBe(0);
      const wait = await limiter.take(k, rate);
      await new Promise((r) => setTimeout(r, wait + 20));
      expect(await limiter.take(k, rate)).toBe(0);
    });

    it('lets a fetch wait for the next slot within the bound', async () => {
      const k = key();
      const rate = { limit: 1, windowMs: 100 };
      await acquireSlot(limiter, k, rate, { waitMsMax: 2_000 });
      await expect(acquireSlot(limiter, k, rate, { waitMsMax: 2_000 })).resolves.toBeUndefined();
    });

    it('fails a fetch with RATE_LIMITED when no slot frees within the bound', async () => {
      const k = key();
      const rate = { limit: 1, windowMs: 60_000 };
      await acquireSlot(limiter, k, rate, { waitMsMax: 50 });
      await expect(acquireSlot(limiter, k, rate, { waitMsMax: 50 })).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { source: k, limit: 1 } });
    });
  });
}

limiterContract('in-process', () => Promise.resolve(new MemoryRateLimiter()));

const connections: Redis[] = [];
afterAll(() => {
  for (const c of connections) c.disconnect();
});

limiterContract(
  'Redis',
  async () => {
    const redis = new Redis(REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, enableOfflineQueue: false });
    connections.push(redis);
    await redis.connect();
    return new RedisRateLimiter(redis, { keyPrefix: `test:outbound:${randomUUID()}:` });
  },
  REDIS_URL === undefined,
);

describe('a Redis limiter whose Redis is unreachable', () => {
  it('limits in-process instead, and counts each call it had to answer that way', async () => {
    // Port 1: nothing listens, the connection is refused.
    const { limiter, close } = createSourceRateLimiter({ redisUrl: 'redis://127.0.0.1:1' });
    try {
      expect(limiter.kind).toBe('redis');
      const rate = { limit: 2, windowMs: 60_000 };
      const answers = [await limiter.take('s', rate), await limiter.take('s', rate), await limiter.take('s', rate)];
      expect(answers.slice(0, 2)).toEqual([0, 0]);
      expect(answers[2]).toBeGreaterThan(0);
      expect(limiter instanceof RedisRateLimiter ? limiter.fallbacks : -1).toBe(3);
    } finally {
      await limiter.close();
      await close();
    }
  });
});
