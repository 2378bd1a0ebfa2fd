import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_RATE_LIMITS_DEFAULT } from '../../../schemas/index.ts';
import { MemoryRateLimiter, RedisRateLimiter, type OutboundGuard } from '../../../slim/outbound/index.ts';
import { guardOf } from './support/guard.ts';
import { mostInAnySpan, perFixedWindow, rawFetchFor, ScriptedSource, weatherFeedOf } from './support/scripted-source.ts';

const REDIS_URL = process.env.TEST_REDIS_URL;

/** Weather at 10/s over 500 ms windows: at most 5 requests to the source in any 500 ms. */
const WINDOW_MS = 500;
const LIMIT = 5;
const FETCHES = 24;
/**
 * Slots are granted at the limiter; the source sees each request a few milliseconds later, and
 * not always the same few. Windows at the source are checked 100 ms shorter than at the limiter
 * so that this delay cannot make two windows' worth look like one.
 */
const DELIVERY_JITTER_MS = 100;

const limitedPolicy = { ratesPerS: { ...SOURCE_RATE_LIMITS_DEFAULT, weather: 10 }, rateWindowMs: WINDOW_MS, rateWaitMsMax: 6_000 };

/** What the source saw, for the log: fixed windows from the first arrival, and the most in any sliding span. */
function describeArrivals(arrivalsMs: readonly number[]): string {
  const spans = [WINDOW_MS, WINDOW_MS - 10, WINDOW_MS - DELIVERY_JITTER_MS].map((span) => `${span} ms: ${mostInAnySpan(arrivalsMs, span)}`);
  return `per fixed ${WINDOW_MS} ms window at the source ${perFixedWindow(arrivalsMs, WINDOW_MS).join(',')}; most in any span of ${spans.join(', ')}`;
}

/** Fires `count` fetches of one source at once through each guard in turn; answers how many succeeded and how many were limited. */
async function burst(guards: OutboundGuard[], source: ScriptedSource, count: number): Promise<{ ok: number; limited: number }> {
  const feed = weatherFeedOf(source.url);
  // Warm up outside the guard (connections open, code paths compiled) so that the first slots are not delivered late, then forget it.
  await Promise.all(Array.from({ length: LIMIT }, () => rawFetchFor(source.url)(feed, { timeoutMs: 2_000 })));
  source.arrivalsMs.length = 0;
  const fetches = guards.map((g) => g.guard(rawFetchFor(source.url)));
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => {
      const fetch = fetches[i % fetches.length];
      if (fetch === undefined) throw new Error('burst needs at least one guard');
      return fetch(feed);
    }),
  );
  const limited = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'RATE_LIMITED').length;
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  return { ok, limited };
}

describe('outbound rate limit of one source under concurrent fetches', () => {
  const source = new ScriptedSource();
  const guards: OutboundGuard[] = [];
  beforeAll(() => source.start());
  afterAll(() => source.stop());
  afterEach(async () => {
    for (const g of guards.splice(0)) await g.close();
    source.arrivalsMs.length = 0;
  });

  it('in-process: one worker never sends more than the limit within a window', async () => {
    guards.push(guardOf(limitedPolicy, new MemoryRateLimiter()));
    const { ok, limited } = await burst(guards, source, FETCHES);
    expect(ok + limited).toBe(FETCHES);
    expect(ok).toBe(source.requests);
    expect(mostInAnySpan(source.arrivalsMs, WINDOW_MS - DELIVERY_JITTER_MS)).toBeLessThanOrEqual(LIMIT);
    console.info(`in-process: ${ok} served, ${limited} limited; ${describeArrivals(source.arrivalsMs)}`);
  });

  it('control: two workers limiting only in-process would together exceed the limit (what Redis sharing prevents)', async () => {
    guards.push(guardOf(limitedPolicy, new MemoryRateLimiter()), guardOf(limitedPolicy, new MemoryRateLimiter()));
    await burst(guards, source, FETCHES);
    expect(mostInAnySpan(source.arrivalsMs, WINDOW_MS - DELIVERY_JITTER_MS)).toBeGreaterThan(LIMIT);
    console.info(`control, 2 unshared in-process limiters: ${describeArrivals(source.arrivalsMs)}`);
  });

  describe.skipIf(REDIS_URL === undefined)('Redis', () => {
    const connections: Redis[] = [];
    afterAll(() => {
      for (const c of connections) c.disconnect();
    });

    it('two workers, each with its own connection, together never send more than the limit within a window', async () => {
      const keyPrefix = `test:outbound:${randomUUID()}:`;
      for (let i = 0; i < 2; i += 1) {
        const redis = new Redis(REDIS_URL ?? '', { lazyConnect: true, enableOfflineQueue: false });
        connections.push(redis);
        await redis.connect();
        guards.push(guardOf(limitedPolicy, new RedisRateLimiter(redis, { keyPrefix })));
      }
      const { ok, limited } = await burst(guards, source, FETCHES);
      expect(ok + limited).toBe(FETCHES);
      expect(ok).toBe(source.requests);
      // Both workers fetched: the limit held across them, not just within each.
      expect(guards.map((g) => g.counters().redisFallbacks)).toEqual([0, 0]);
      expect(mostInAnySpan(source.arrivalsMs, WINDOW_MS - DELIVERY_JITTER_MS)).toBeLessThanOrEqual(LIMIT);
      console.info(`Redis, 2 workers: ${ok} served, ${limited} limited; ${describeArrivals(source.arrivalsMs)}`);
    });
  });

  it('fails the fetches that find no slot within the wait bound with RATE_LIMITED, and counts them', async () => {
    const guard = guardOf({ ...limitedPolicy, rateWaitMsMax: 50 }, new MemoryRateLimiter());
    guards.push(guard);
    const { ok, limited } = await burst([guard], source, 12);
    expect(ok).toBe(LIMIT);
    expect(limited).toBe(12 - LIMIT);
    expect(source.requests).toBe(LIMIT);
    expect(guard.counters().limited).toBe(12 - LIMIT);
    expect(guard.upstreamOf(weatherFeedOf(source.url))).toMatchObject({ breaker: 'closed', limited: 12 - LIMIT });
  });
});
