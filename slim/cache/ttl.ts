import { FRESHNESS_SLA_MS, type Category } from '../../schemas/index.ts';

/**
 * How long an answer of a category's source is served from the cache: a share of the category's
 * freshness SLA. The freshness check scores an observation 1 until its source timestamp is one SLA
 * old; a cached answer is at most its TTL older than a fresh fetch would be, so with the default
 * 25 % the cache spends at most a quarter of that budget and leaves three quarters to the source's
 * own lag and the schedule: the cache is never the reason an observation goes stale. Market 1.25 s,
 * IoT 7.5 s, weather 15 s, carbon 75 s, real estate 15 min.
 */
export function sourceCacheTtlMs(category: Category, slaPercent: number): number {
  return Math.max(1, Math.floor((FRESHNESS_SLA_MS[category] * slaPercent) / 100));
}
