import type { RateLimitName, RateLimitStats } from '../../schemas/rate-limit.ts';

type PerLimit = Record<RateLimitName, number>;
const zero = (): PerLimit => ({ global: 0, auth: 0, tier: 0 });

/** Counters of this gateway's rate limiting since start-up, for `GET /stats`. */
export class RateLimitCounters {
  readonly limited = zero();
  readonly failedOpen = zero();
  readonly failedClosed = zero();

  constructor(
    private readonly backend: RateLimitStats['backend'],
    private readonly redisState: () => RateLimitStats['redis'],
  ) {}

  snapshot(): RateLimitStats {
    return {
      backend: this.backend,
      redis: this.redisState(),
      limited: { ...this.limited },
      failedOpen: { ...this.failedOpen },
      failedClosed: { ...this.failedClosed },
    };
  }
}
