import type { Redis } from 'ioredis';
import { connectFailFastRedis } from '../../runtime/redis.ts';
import type { Database } from '../../db/client.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { EnvConfig } from '../../schemas/index.ts';
import type { Clock } from '../clock.ts';
import { DatabaseTier } from './database-tier.ts';
import { MemoryTier } from './memory-tier.ts';
import { RedisTier } from './redis-tier.ts';
import { SourceCache } from './source-cache.ts';
import type { CacheTier } from './tier.ts';
import { sourceCacheTtlMs } from './ttl.ts';

export { answerOf, observationFor, CacheEntry, SourceAnswer, type AskingFeed } from './answer.ts';
export { hitRatioOf, type SourceCacheCounters, type TierCounters } from './counters.ts';
export { DatabaseTier, L3_PRUNE_INTERVAL_MS, L3_PRUNE_ROWS_MAX } from './database-tier.ts';
export { canonicalJson, sourceCacheKey } from './key.ts';
export { MemoryTier } from './memory-tier.ts';
export { RedisTier } from './redis-tier.ts';
export { answerAgeMsMax, SourceCache, TIER_READ_TIMEOUT_MS, WRITES_PENDING_MAX, type CacheableFeed, type SourceCacheOptions } from './source-cache.ts';
export type { CacheTier, TierLookup, TierName } from './tier.ts';
export { sourceCacheTtlMs } from './ttl.ts';

/** How long a cache command may wait on Redis before the tier is skipped for that lookup. */
const REDIS_COMMAND_TIMEOUT_MS = 250;

/**
 * L2's connection: commands fail at once while disconnected (the tier is skipped) instead of
 * queueing without bound, and ioredis keeps reconnecting, so the tier comes back by itself.
 */
export function connectCacheRedis(url: string, logger?: Logger): Redis {
  return connectFailFastRedis(url, { commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, purpose: 'the source cache skips L2 meanwhile', logger });
}

/**
 * The cache as configured: L1 in-process; L2 in Redis when REDIS_URL is set (none otherwise: a
 * second in-process tier would only repeat L1); L3 in the worker's database (PGlite when embedded).
 */
export function createSourceCache(
  config: Pick<EnvConfig, 'REDIS_URL' | 'SOURCE_CACHE_ENABLED' | 'SOURCE_CACHE_L1_ENTRIES_MAX' | 'SOURCE_CACHE_TTL_SLA_PERCENT'>,
  deps: { db: Database; clock: Clock; logger?: Logger },
): SourceCache {
  const ttlMsOf = (category: Parameters<typeof sourceCacheTtlMs>[0]) => sourceCacheTtlMs(category, config.SOURCE_CACHE_TTL_SLA_PERCENT);
  const logger = deps.logger === undefined ? {} : { logger: deps.logger };
  if (!config.SOURCE_CACHE_ENABLED) return new SourceCache({ tiers: [], clock: deps.clock, ttlMsOf, enabled: false, ...logger });
  const tiers: CacheTier[] = [new MemoryTier({ entriesMax: config.SOURCE_CACHE_L1_ENTRIES_MAX }, deps.clock)];
  if (config.REDIS_URL !== undefined) {
    const redis = connectCacheRedis(config.REDIS_URL, deps.logger);
    tiers.push(
      new RedisTier(redis, deps.clock, {
        onClose: () => {
          redis.disconnect();
          return Promise.resolve();
        },
      }),
    );
  }
  tiers.push(new DatabaseTier(deps.db, deps.clock));
  return new SourceCache({ tiers, clock: deps.clock, ttlMsOf, ...logger });
}
