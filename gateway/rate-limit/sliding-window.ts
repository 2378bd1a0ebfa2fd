import { LRUCache } from 'lru-cache';
import type { Rate } from '../../schemas/rate-limit.ts';
import type { RateDecision, RateLimiter } from './limiter.ts';

/** Counts of one identifier: its current fixed window and the one before. */
export interface WindowCounts {
  window: number;
  current: number;
  previous: number;
}

/**
 * The sliding-window estimate @upstash/ratelimit's script computes, as a pure step: the current
 * window's count plus the previous window's, weighted by how much of it the sliding window still
 * covers. A request is refused when that reaches the limit; a refund (cost -1) always applies.
 * Same rule, same numbers in both backends, so a gateway without Redis behaves like one with it.
 */
export function slidingWindowStep(counts: WindowCounts | undefined, rate: Rate, nowMs: number, cost: 1 | -1): { counts: WindowCounts; decision: RateDecision } {
  const window = Math.floor(nowMs / rate.windowMs);
  let current = 0;
  let previous = 0;
  if (counts !== undefined && counts.window === window) {
    current = counts.current;
    previous = counts.previous;
  } else if (counts !== undefined && counts.window === window - 1) {
    previous = counts.current;
  }
  const resetAtMs = (window + 1) * rate.windowMs;
  const weightedPrevious = Math.floor((1 - (nowMs % rate.windowMs) / rate.windowMs) * previous);
  if (cost > 0 && weightedPrevious + current >= rate.limit) {
    return { counts: { window, current, previous }, decision: { allowed: false, limit: rate.limit, remaining: 0, resetAtMs } };
  }
  current += cost;
  return {
    counts: { window, current, previous },
    decision: { allowed: true, limit: rate.limit, remaining: Math.max(0, rate.limit - (current + weightedPrevious)), resetAtMs },
  };
}

/** How stale the LRU's clock may be when it judges expiry (see LocalRateLimiter). */
const TTL_RESOLUTION_MS = 1_000;

/**
 * The in-process backend (REDIS_URL unset, and the fallback while Redis is down). The library has
 * no in-memory store for Node; rather than emulate Redis and its Lua scripts, this applies the
 * same sliding-window rule to counts in an LRU map, bounded in entries and expiring each after the
 * two windows it can matter for.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly counts: LRUCache<string, WindowCounts>;
  private readonly nowMs: () => number;

  constructor(
    readonly rate: Rate,
    options: { identifiersMax: number; nowMs?: () => number },
  ) {
    this.nowMs = options.nowMs ?? Date.now;
    this.counts = new LRUCache({
      max: options.identifiersMax,
      ttl: 2 * rate.windowMs,
      // The TTL only bounds memory (the step itself ignores counts of older windows), so expiry may
      // lag a little: the cache reads the clock once a second instead of arming a timer every millisecond.
      ttlResolution: TTL_RESOLUTION_MS,
    });
  }

  limit(identifier: string, cost: 1 | -1 = 1): Promise<RateDecision> {
    const { counts, decision } = slidingWindowStep(this.counts.get(identifier), this.rate, this.nowMs(), cost);
    this.counts.set(identifier, counts);
    return Promise.resolve(decision);
  }
}
