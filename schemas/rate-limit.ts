import { z } from 'zod';
import { Role } from './common.ts';

/** A rate: at most `limit` requests in any window of `windowMs` (sliding). */
export interface Rate {
  limit: number;
  windowMs: number;
}

const WINDOW_MS_BY_UNIT = { s: 1_000, min: 60_000, h: 3_600_000 } as const;

/** `"600/min"`, `"20/s"` or `"10000/h"`: written the way people say a rate. */
export const RateSpec = z
  .string()
  .regex(/^[1-9][0-9]{0,6}\/(s|min|h)$/, 'a rate like "600/min", "20/s" or "10000/h"')
  .transform((s): Rate => {
    const [count, unit] = s.split('/') as [string, keyof typeof WINDOW_MS_BY_UNIT];
    return { limit: Number(count), windowMs: WINDOW_MS_BY_UNIT[unit] };
  });

export const RateTierName = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'lower-case tier name, up to 32 characters');

/**
 * Per-key rate tiers. By default each role has a tier of its own name; an operator may change
 * them, add tiers, and assign tiers to roles or to single keys (GATEWAY_RATE_KEY_TIERS).
 * Sized so a person or a polling client never meets them, while one runaway key cannot take
 * the whole global budget (1000 req/s) from the others.
 */
export const RATE_TIERS_DEFAULT: Readonly<Record<string, string>> = {
  admin: '6000/min',
  provider: '6000/min',
  dapp: '600/min',
  reviewer: '600/min',
  operator: '600/min',
};

/** Who gets which tier: a role, or one key by its id (`key_…`), which wins over its role. */
export const RateTierHolder = z.union([Role, z.string().regex(/^key_[0-9a-f]{32}$/, 'a role or a key id (key_ and 32 hex digits)')]);

export const RATE_LIMIT_NAMES = ['global', 'auth', 'tier'] as const;
export const RateLimitName = z.enum(RATE_LIMIT_NAMES);
export type RateLimitName = z.infer<typeof RateLimitName>;

const PerLimit = z.object({ global: z.number().int(), auth: z.number().int(), tier: z.number().int() });

/** The gateway's rate limiting in `GET /stats`: counters since start-up, of this gateway process. */
export const RateLimitStats = z.object({
  /** Where the counts live: `redis` (shared by all gateways) or `memory` (this process; REDIS_URL unset). */
  backend: z.enum(['redis', 'memory']),
  /** Whether Redis answers now (`none` without REDIS_URL). */
  redis: z.enum(['up', 'down', 'none']),
  /** Requests answered 429, per limit. */
  limited: PerLimit,
  /** Decisions taken by the in-process limiter because Redis failed (fail open), per limit. */
  failedOpen: PerLimit,
  /** Requests refused with 503 because Redis failed and the limit fails closed (/auth/*). */
  failedClosed: PerLimit,
});
export type RateLimitStats = z.infer<typeof RateLimitStats>;
