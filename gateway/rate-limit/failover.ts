import { AppError } from '../../runtime/errors.ts';
import type { Rate, RateLimitName } from '../../schemas/rate-limit.ts';
import type { RateDecision, RateLimiter } from './limiter.ts';
import type { RedisHealth } from './redis-health.ts';
import type { RateLimitCounters } from './stats.ts';

/** What a limit does while Redis cannot be asked. */
export type WhenRedisDown =
  /** Decide in this process instead: limits stay, per gateway rather than shared. */
  | { kind: 'open'; local: RateLimiter }
  /** Refuse the request (503 with Retry-After): a limit that must hold or nothing passes. */
  | { kind: 'closed'; retryAfterS: number };

/**
 * A Redis-backed limit with its behaviour when Redis fails: every failure or skipped call is
 * counted per limit and reported to the shared RedisHealth (which logs), never thrown as a 500.
 */
export class FailoverRateLimiter implements RateLimiter {
  constructor(
    readonly name: RateLimitName,
    private readonly shared: RateLimiter,
    private readonly whenDown: WhenRedisDown,
    private readonly health: RedisHealth,
    private readonly counters: RateLimitCounters,
  ) {}

  get rate(): Rate {
    return this.shared.rate;
  }

  async limit(identifier: string, cost: 1 | -1 = 1): Promise<RateDecision> {
    if (this.health.shouldTry()) {
      try {
        const decision = await this.shared.limit(identifier, cost);
        this.health.succeeded();
        return decision;
      } catch (err) {
        this.health.failed(err);
      }
    }
    this.health.failedOver();
    if (this.whenDown.kind === 'open') {
      this.counters.failedOpen[this.name] += 1;
      return this.whenDown.local.limit(identifier, cost);
    }
    // A refund that cannot reach Redis is lost: the client's count stays one higher until its window ends.
    if (cost < 0) return { allowed: true, limit: this.rate.limit, remaining: 0, resetAtMs: Date.now() };
    this.counters.failedClosed[this.name] += 1;
    throw new AppError('UNAVAILABLE', 'the rate-limit store is unavailable, so this route is closed for now; try again shortly', {
      retryAfterS: this.whenDown.retryAfterS,
    });
  }
}
