import type { Rate } from '../../schemas/rate-limit.ts';

/** What one limit says about one request. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one (0 when refused). */
  remaining: number;
  /** When the current window ends, in ms since the epoch. */
  resetAtMs: number;
}

/**
 * One limit (a rate per identifier). The backend interface: in Redis (shared by every gateway)
 * or in this process. `cost` -1 gives back a request counted earlier (the /auth limit counts only
 * requests that do not authenticate). Redis implementations throw when Redis fails.
 */
export interface RateLimiter {
  readonly rate: Rate;
  limit(identifier: string, cost?: 1 | -1): Promise<RateDecision>;
}
