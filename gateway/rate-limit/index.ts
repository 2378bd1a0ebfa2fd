import type { Redis } from 'ioredis';
import { connectFailFastRedis, redisReadyOrTimeout } from '../../runtime/redis.ts';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../runtime/logger.ts';
import type { Rate, RateLimitName } from '../../schemas/rate-limit.ts';
import type { KeyPrincipal } from '../auth/key-service.ts';
import type { GatewayEnv } from '../env.ts';
import { FailoverRateLimiter, type WhenRedisDown } from './failover.ts';
import type { RateLimiter } from './limiter.ts';
import { gateMiddleware, globalGate, limitAuthAttempts, perKeyGate, type ClientAddress, type RateGate } from './middleware.ts';
import { part, tierOf } from './policy.ts';
import { IoRedisRatelimitAdapter } from './redis-adapter.ts';
import { REDIS_RETRY_AFTER_MS, RedisHealth } from './redis-health.ts';
import { LocalRateLimiter } from './sliding-window.ts';
import { RateLimitCounters } from './stats.ts';
import { UpstashRateLimiter } from './upstash-limiter.ts';

export { RateLimitCounters } from './stats.ts';
export type { RateDecision, RateLimiter } from './limiter.ts';
export type { RateGate } from './middleware.ts';

/** Client addresses or keys counted in-process per limit; past it the least recently seen is forgotten. */
export const LOCAL_IDENTIFIERS_MAX = 100_000;
/** A rate-limit call to Redis that takes longer fails (and the limit fails over): it sits on every request's path. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** How long start-up waits for the first Redis connection before serving with the fallbacks. */
const REDIS_CONNECT_WAIT_MS = 2_000;

export interface RateLimitSettings {
  globalPerS: number;
  authPerMin: number;
  tiers: Readonly<Record<string, Rate>>;
  /** Role or key id → tier. */
  keyTiers: Readonly<Record<string, string>>;
  /** Unset: in-process limits. */
  redisUrl: string | undefined;
  /** Gateway processes sharing the limits (GATEWAY_WORKERS): each falls back to its share of a Redis limit while Redis is down. */
  processes: number;
  keyPrefix: string;
}

/** The gateway's rate limiting, as middleware for the two places it goes, with its counters. */
export interface GatewayRateLimits {
  /** After route resolution, before authentication: /auth/* per address, then the global limit. */
  beforeAuthentication: readonly MiddlewareHandler<GatewayEnv>[];
  /** After authentication: the key's tier. */
  admission: readonly MiddlewareHandler<GatewayEnv>[];
  /**
   * The same limits as gates, for the proxy's Node path (proxied routes, never /auth/*): the global
   * limit before authentication, the key's tier after.
   */
  gates: { global: RateGate<void>; perKey: RateGate<KeyPrincipal | null> };
  counters: RateLimitCounters;
  close(): Promise<void>;
}

/**
 * Builds the limits: in Redis through @upstash/ratelimit when `redisUrl` is set (shared by every
 * gateway on that Redis), in-process otherwise. While Redis fails, the global and per-key limits
 * fail open to in-process limiters and /auth/* fails closed (503), each counted and logged.
 */
export async function createGatewayRateLimits(settings: RateLimitSettings, clientAddress: ClientAddress, logger: Logger): Promise<GatewayRateLimits> {
  const global: Rate = { limit: settings.globalPerS, windowMs: 1_000 };
  const auth: Rate = { limit: settings.authPerMin, windowMs: 60_000 };
  const local = (rate: Rate) => new LocalRateLimiter(rate, { identifiersMax: LOCAL_IDENTIFIERS_MAX });

  let counters: RateLimitCounters;
  let make: (name: RateLimitName, suffix: string, rate: Rate) => RateLimiter;
  let close: () => Promise<void>;
  if (settings.redisUrl === undefined) {
    counters = new RateLimitCounters('memory', () => 'none');
    make = (_name, _suffix, rate) => local(rate);
    close = () => Promise.resolve();
  } else {
    const redis = connectRedis(settings.redisUrl, logger);
    await redisReadyOrTimeout(redis, REDIS_CONNECT_WAIT_MS);
    const health = new RedisHealth(() => redis.status === 'ready', logger);
    const adapter = new IoRedisRatelimitAdapter(redis);
    const limitCounters = new RateLimitCounters('redis', () => health.state);
    counters = limitCounters;
    make = (name, suffix, rate) => {
      const shared = new UpstashRateLimiter(rate, adapter, {
        prefix: `${settings.keyPrefix}:${suffix}`,
        ...(name === 'global' ? { blockCacheEntriesMax: null } : {}),
      });
      const whenDown: WhenRedisDown =
        name === 'auth'
          ? { kind: 'closed', retryAfterS: Math.ceil(REDIS_RETRY_AFTER_MS / 1000) }
          : { kind: 'open', local: local({ ...rate, limit: part(rate.limit, settings.processes) }) };
      return new FailoverRateLimiter(name, shared, whenDown, health, limitCounters);
    };
    close = () => {
      redis.disconnect();
      return Promise.resolve();
    };
  }

  const tierLimiters = new Map(Object.entries(settings.tiers).map(([tier, rate]) => [tier, make('tier', `tier:${tier}`, rate)]));
  const limiterFor = (principal: KeyPrincipal) => {
    const tier = tierOf(principal, settings.tiers, settings.keyTiers);
    return tier === null ? null : (tierLimiters.get(tier) ?? null);
  };
  const gates = { global: globalGate(make('global', 'global', global), counters), perKey: perKeyGate(limiterFor, counters) };
  return {
    beforeAuthentication: [limitAuthAttempts(make('auth', 'auth', auth), clientAddress, counters), gateMiddleware(gates.global, () => undefined)],
    admission: [gateMiddleware(gates.perKey, (c) => c.get('principal'))],
    gates,
    counters,
    close,
  };
}

// RedisHealth logs the outage itself; the connection's first few errors say why.
const connectRedis = (url: string, logger: Logger): Redis =>
  connectFailFastRedis(url, { commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS, purpose: 'gateway rate limits', logger });
