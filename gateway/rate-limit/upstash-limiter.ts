import { Ratelimit } from '@upstash/ratelimit';
import type { Rate } from '../../schemas/rate-limit.ts';
import { BoundedBlockCache } from './block-cache.ts';
import type { RateDecision, RateLimiter } from './limiter.ts';
import type { UpstashRedis } from './redis-adapter.ts';

/**
 * Identifiers over their limit remembered per limit, so a client hammering while blocked costs no
 * Redis call. The cache holds an identifier until the end of the current fixed window, which for a
 * sliding window blocks longer than the limit needs: harmless for an address guessing keys or a key
 * over its tier, but under sustained load it would hold the global rate well below its limit, so
 * the global limit runs without it.
 */
export const BLOCK_CACHE_ENTRIES_MAX = 10_000;

/**
 * One limit in Redis through @upstash/ratelimit's sliding window, shared by every gateway using
 * the same Redis and key prefix. The library's own timeout is off: it would answer "allowed" after
 * it, which is failing open silently, also for limits that must fail closed. The Redis client's
 * command timeout bounds each call instead, and its errors reach the caller.
 */
export class UpstashRateLimiter implements RateLimiter {
  private readonly limiter: Ratelimit;

  constructor(
    readonly rate: Rate,
    redis: UpstashRedis,
    /** `blockCacheEntriesMax` null: no block cache (every call goes to Redis). */
    options: { prefix: string; blockCacheEntriesMax?: number | null },
  ) {
    this.limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.slidingWindow(rate.limit, `${rate.windowMs} ms`),
      prefix: options.prefix,
      ephemeralCache: options.blockCacheEntriesMax === null ? false : new BoundedBlockCache(options.blockCacheEntriesMax ?? BLOCK_CACHE_ENTRIES_MAX),
      timeout: 0,
      analytics: false,
      enableProtection: false,
      dynamicLimits: false,
      enableTelemetry: false,
    });
  }

  async limit(identifier: string, cost: 1 | -1 = 1): Promise<RateDecision> {
    const r = await this.limiter.limit(identifier, cost === 1 ? undefined : { rate: cost });
    return { allowed: r.success, limit: r.limit, remaining: r.remaining, resetAtMs: r.reset };
  }
}
