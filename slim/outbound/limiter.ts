import { randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';

/**
 * Outbound rate limits per source: at most `limit` requests in any window of `windowMs`
 * (a sliding-window log, so no burst at a window edge can double the rate a source sees).
 */
export interface RateLimit {
  limit: number;
  windowMs: number;
}

/** The backend interface: one call takes a slot or says how long until one frees up. */
export interface SourceRateLimiter {
  readonly kind: 'redis' | 'memory';
  /** Takes one slot for `key`: 0 when granted, otherwise the milliseconds until the oldest slot leaves the window (>= 1). */
  take(key: string, rate: RateLimit): Promise<number>;
  close(): Promise<void>;
}

/** Per-key log of grant instants; each log holds at most `limit` entries. */
export class MemoryRateLimiter implements SourceRateLimiter {
  readonly kind = 'memory';
  private readonly logs = new Map<string, number[]>();

  constructor(private readonly nowMs: () => number = () => performance.timeOrigin + performance.now()) {}

  take(key: string, rate: RateLimit): Promise<number> {
    assertRate(rate);
    const now = this.nowMs();
    const log = this.logs.get(key) ?? [];
    // Same window as the Redis script: (now - windowMs, now].
    while (log.length > 0 && (log[0] ?? 0) <= now - rate.windowMs) log.shift();
    // A limit lowered at runtime leaves a longer log: trim so the bound holds.
    while (log.length > rate.limit) log.shift();
    if (log.length < rate.limit) {
      log.push(now);
      this.logs.set(key, log);
      return Promise.resolve(0);
    }
    this.logs.set(key, log);
    return Promise.resolve(Math.max(1, Math.ceil((log[0] ?? now) + rate.windowMs - now)));
  }

  close(): Promise<void> {
    this.logs.clear();
    return Promise.resolve();
  }
}

/**
 * The window as a sorted set of grant instants (score: Redis server time in ms), trimmed and
 * checked in one script so that every replica sees the same count. Redis 7.0: no `#!lua` flags
 * line; since Redis 5 scripts replicate their effects, so reading TIME before a write is allowed.
 */
const TAKE_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local n = redis.call('ZCARD', key)
if n < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return wait
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    slimOutboundTake(key: string, limit: number, windowMs: number, member: string): Result<number, Context>;
  }
}

/**
 * Shared by every slim replica through one Redis. When Redis fails (down, slow, script error)
 * the call is answered by an in-process limiter instead, logged and counted: the worker degrades
 * to per-replica limits rather than stop fetching.
 */
export class RedisRateLimiter implements SourceRateLimiter {
  readonly kind = 'redis';
  private readonly fallback: MemoryRateLimiter;
  private readonly prefix: string;
  private readonly logger: Logger | undefined;
  private readonly memberPrefix = randomUUID();
  private sequence = 0;
  /** Calls answered by the in-process fallback because Redis failed. */
  fallbacks = 0;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix?: string; logger?: Logger; fallback?: MemoryRateLimiter } = {},
  ) {
    this.prefix = options.keyPrefix ?? 'slim:outbound:rate:';
    this.logger = options.logger;
    this.fallback = options.fallback ?? new MemoryRateLimiter();
    redis.defineCommand('slimOutboundTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  async take(key: string, rate: RateLimit): Promise<number> {
    assertRate(rate);
    this.sequence += 1;
    try {
      const wait = await this.redis.slimOutboundTake(`${this.prefix}${key}`, rate.limit, rate.windowMs, `${this.memberPrefix}:${this.sequence}`);
      return Number(wait);
    } catch (err) {
      this.fallbacks += 1;
      // Logged at the first failure and then every thousandth: while Redis is down every fetch comes here.
      if (this.fallbacks === 1 || this.fallbacks % 1_000 === 0) {
        this.logger?.warn({ err, key, fallbacks: this.fallbacks }, 'redis rate limiter failed; limiting in-process for now');
      }
      return this.fallback.take(key, rate);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
  }
}

/**
 * Waits for a slot, never longer than `waitMsMax`: a source at its limit makes callers queue
 * briefly, then fail with RATE_LIMITED rather than pile up behind it.
 */
export async function acquireSlot(
  limiter: SourceRateLimiter,
  key: string,
  rate: RateLimit,
  options: { waitMsMax: number; nowMs?: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<void> {
  const nowMs = options.nowMs ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const startMs = nowMs();
  // Each round either grants or sleeps at least 1 ms, and the wait is bounded: the loop ends.
  for (;;) {
    const waitMs = await limiter.take(key, rate);
    if (waitMs <= 0) return;
    const spentMs = nowMs() - startMs;
    if (spentMs + waitMs > options.waitMsMax) {
      throw new AppError('RATE_LIMITED', `outbound rate limit of ${rate.limit} per ${rate.windowMs} ms reached for ${key}; no slot within ${options.waitMsMax} ms`, {
        retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)),
        details: { source: key, limit: rate.limit, windowMs: rate.windowMs },
      });
    }
    // A little jitter so that waiters released together do not all retry on the same millisecond.
    await sleep(waitMs + Math.floor(Math.random() * 5));
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function assertRate(rate: RateLimit): void {
  if (!Number.isInteger(rate.limit) || rate.limit < 1 || !Number.isInteger(rate.windowMs) || rate.windowMs < 1) {
    throw new AppError('INVARIANT_VIOLATED', `rate limit must be positive integers, got ${rate.limit} per ${rate.windowMs} ms`);
  }
}
