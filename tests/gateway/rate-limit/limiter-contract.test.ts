import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimiter } from '../../../gateway/rate-limit/limiter.ts';
import { IoRedisRatelimitAdapter } from '../../../gateway/rate-limit/redis-adapter.ts';
import { LocalRateLimiter } from '../../../gateway/rate-limit/sliding-window.ts';
import { UpstashRateLimiter } from '../../../gateway/rate-limit/upstash-limiter.ts';
import type { Rate } from '../../../schemas/rate-limit.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;

/** The contract both backends are held to; `make` answers a limiter with state of its own. */
function limiterContract(name: string, make: (rate: Rate) => RateLimiter, skip: boolean) {
  describe.skipIf(skip)(`${name} rate limiter`, () => {
    const id = () => `client-${randomUUID()}`;

    it('allows the limit within a window, counting down, then refuses until the window ends', async () => {
      const limiter = make({ limit: 3, windowMs: 60_000 });
      const who = id();
      const before = Date.now();
      const decisions = [];
      for (let i = 0; i < 4; i++) decisions.push(await limiter.limit(who));
      expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual([
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      const refused = decisions[3];
      expect(refused?.limit).toBe(3);
      expect(refused?.resetAtMs).toBeGreaterThan(before);
      expect(refused?.resetAtMs).toBeLessThanOrEqual(before + 60_000);
    });

    it('keeps each identifier to its own count', async () => {
      const limiter = make({ limit: 1, windowMs: 60_000 });
      const a = id();
      expect((await limiter.limit(a)).allowed).toBe(true);
      expect((await limiter.limit(a)).allowed).toBe(false);
      expect((await limiter.limit(id())).allowed).toBe(true);
    });

    it('allows again once the sliding window has moved past the earlier requests', async () => {
      const limiter = make({ limit: 2, windowMs: 200 });
      const who = id();
      await limiter.limit(who);
      await limiter.limit(who);
      expect((await limiter.limit(who)).allowed).toBe(false);
      // Two windows later nothing of the first one counts any more.
      await new Promise((r) => setTimeout(r, 450));
      expect((await limiter.limit(who)).allowed).toBe(true);
    });

    it('takes back a request given back with a refund', async () => {
      const limiter = make({ limit: 2, windowMs: 60_000 });
      const who = id();
      await limiter.limit(who);
      await limiter.limit(who);
      await limiter.limit(who, -1);
      expect((await limiter.limit(who)).allowed).toBe(true);
    });
  });
}

limiterContract('in-process', (rate) => new LocalRateLimiter(rate, { identifiersMax: 1_000 }), false);

let redis: Redis | undefined;
const prefix = `test:rate:${process.pid}:${randomUUID()}`;
beforeAll(() => {
  if (REDIS_URL !== undefined) redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  if (redis === undefined) return;
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

limiterContract(
  'Redis (@upstash/ratelimit through ioredis)',
  (rate) => {
    if (redis === undefined) throw new Error('TEST_REDIS_URL is unset');
    return new UpstashRateLimiter(rate, new IoRedisRatelimitAdapter(redis), { prefix: `${prefix}:${randomUUID()}` });
  },
  REDIS_URL === undefined,
);

describe.skipIf(REDIS_URL === undefined)('the ioredis adapter', () => {
  it("runs the library's scripts on this Redis, which refuses them as shipped", async () => {
    if (redis === undefined) throw new Error('TEST_REDIS_URL is unset');
    await expect(redis.eval('#!lua flags=allow-key-locking\nreturn 1', 0)).rejects.toThrow(/Unexpected flag/);
    const limiter = new UpstashRateLimiter({ limit: 1, windowMs: 60_000 }, new IoRedisRatelimitAdapter(redis), { prefix: `${prefix}:scripts` });
    expect((await limiter.limit('x')).allowed).toBe(true);
  });

  it("answers the library's EVALSHA of a script it has not seen with NOSCRIPT, and after its EVAL by the library's hash", async () => {
    if (redis === undefined) throw new Error('TEST_REDIS_URL is unset');
    const adapter = new IoRedisRatelimitAdapter(redis);
    // A script no Redis has seen: the adapter's EVALSHA meets NOSCRIPT in Redis and sends the text.
    const script = `#!lua flags=allow-key-locking\n-- ${randomUUID()}\nreturn tonumber(ARGV[1]) + 1`;
    const libraryHash = createHash('sha1').update(script).digest('hex');
    await expect(adapter.evalsha(libraryHash, [], [1])).rejects.toThrow(/NOSCRIPT/);
    expect(await adapter.eval(script, [], [41])).toBe(42);
    expect(await adapter.evalsha(libraryHash, [], [1])).toBe(2);
  });

  it('throws what Redis throws, rather than answering', async () => {
    const down = new Redis('redis://127.0.0.1:1', { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    down.on('error', () => {});
    const limiter = new UpstashRateLimiter({ limit: 1, windowMs: 60_000 }, new IoRedisRatelimitAdapter(down), { prefix: `${prefix}:down` });
    await expect(limiter.limit('x')).rejects.toThrow();
    down.disconnect();
  });
});
