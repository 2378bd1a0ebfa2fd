import { connectFailFastRedis } from '../../runtime/redis.ts';
import { isAppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Category, EnvConfig, FeedSource, FeedUpstream } from '../../schemas/index.ts';
import { sourceOrigin } from '../sources.ts';
import { BREAKERS_MAX, SourceBreakers, type BreakerPolicy } from './breaker.ts';
import { acquireSlot, MemoryRateLimiter, RedisRateLimiter, type RateLimit, type SourceRateLimiter } from './limiter.ts';
import { withRetry, type RetryPolicy } from './retry.ts';

export { SourceBreakers, countsAgainstSource, type BreakerPolicy, type BreakerView } from './breaker.ts';
export { acquireSlot, MemoryRateLimiter, RedisRateLimiter, type RateLimit, type SourceRateLimiter } from './limiter.ts';
export { isTransientSourceError, withRetry, type RetryPolicy } from './retry.ts';

export interface OutboundPolicy {
  /** Requests per second to one source, by its category. */
  ratesPerS: Readonly<Record<Category, number>>;
  /** The rate window; 1 s unless a test wants faster windows (the limit scales with it). */
  rateWindowMs?: number;
  rateWaitMsMax: number;
  /** Deadline of one attempt; each gets at most what the retry budget has left. */
  fetchTimeoutMs: number;
  retry: RetryPolicy;
  breaker: BreakerPolicy;
}

/** What the guard needs of a feed: which source it fetches and at what category's rate. */
export interface OutboundFeed {
  category: Category;
  source: FeedSource;
}

/** The fetch being guarded: one attempt against the source, within `timeoutMs`. */
export type RawFetch<F extends OutboundFeed, T> = (feed: F, attempt: { timeoutMs: number }) => Promise<T>;

/** Counters since start-up, for the health details. */
export interface OutboundCounters {
  limiter: SourceRateLimiter['kind'];
  /** Fetches that found no rate-limit slot within SOURCE_RATE_WAIT_MS_MAX. */
  limited: number;
  retried: number;
  breakerOpens: number;
  /** Fetches refused by an open breaker without touching the source. */
  breakerRejected: number;
  /** Breakers open or half-open now. */
  breakersNotClosed: number;
  /** Limiter calls answered in-process because Redis failed. */
  redisFallbacks: number;
}

/** The key a source is limited and guarded by: the adapter and the origin it fetches from. Null for push feeds. */
export function sourceKeyOf(source: FeedSource): string | null {
  const origin = sourceOrigin(source);
  return origin === null ? null : `${source.adapter} ${origin}`;
}

interface SourceCounters {
  limited: number;
  retried: number;
}

/**
 * Outbound protection of the pull fetches, per source: a breaker around bounded retries, each
 * attempt taking a rate-limit slot first. The slot is taken per attempt (not once per fetch) so
 * that retries count against the source's limit too, and sits inside the breaker so that an open
 * breaker fails fast without spending slots other replicas could use.
 */
export class OutboundGuard {
  private readonly breakers: SourceBreakers;
  private readonly perSource = new Map<string, SourceCounters>();
  private limited = 0;
  private retried = 0;

  constructor(
    private readonly deps: {
      limiter: SourceRateLimiter;
      policy: OutboundPolicy;
      logger?: Logger;
      /** Closes what the guard was given to own (the Redis connection). */
      onClose?: () => Promise<void>;
    },
  ) {
    this.breakers = new SourceBreakers(deps.policy.breaker, deps.logger);
  }

  /** Wraps one raw fetch: limiter → retry → raw, all inside the source's breaker. */
  guard<F extends OutboundFeed, T>(raw: RawFetch<F, T>): (feed: F) => Promise<T> {
    return (feed) => {
      const key = sourceKeyOf(feed.source);
      // Push feeds are never fetched; let the raw fetch say so in its own words.
      if (key === null) return raw(feed, { timeoutMs: this.deps.policy.fetchTimeoutMs });
      const rate = this.rateOf(feed.category);
      const counters = this.countersOf(key);
      return this.breakers.run(key, () =>
        withRetry(
          async ({ timeBudgetMs }) => {
            // The wait for a slot and the attempt share what is left of the retry budget, so a whole fetch stays within it.
            const attemptStartMs = Date.now();
            try {
              await acquireSlot(this.deps.limiter, key, rate, { waitMsMax: Math.min(this.deps.policy.rateWaitMsMax, timeBudgetMs) });
            } catch (err) {
              if (isAppError(err) && err.code === 'RATE_LIMITED') {
                this.limited += 1;
                counters.limited += 1;
              }
              throw err;
            }
            const leftMs = Math.max(1, timeBudgetMs - (Date.now() - attemptStartMs));
            return raw(feed, { timeoutMs: Math.min(this.deps.policy.fetchTimeoutMs, leftMs) });
          },
          this.deps.policy.retry,
          {
            onRetry: ({ retry, delayMs, err }) => {
              this.retried += 1;
              counters.retried += 1;
              this.deps.logger?.debug({ source: key, retry, delayMs, err }, 'transient source failure: retrying');
            },
          },
        ),
      );
    };
  }

  /** The source's side of a feed's status; undefined for push feeds and sources not fetched since start-up. */
  upstreamOf(feed: Pick<OutboundFeed, 'source'>): FeedUpstream | undefined {
    const key = sourceKeyOf(feed.source);
    if (key === null) return undefined;
    const breaker = this.breakers.view(key);
    if (breaker === null) return undefined;
    const counters = this.perSource.get(key) ?? { limited: 0, retried: 0 };
    return {
      key,
      breaker: breaker.state,
      lastFailure: breaker.lastFailure,
      lastFailureAt: breaker.lastFailureAt,
      openedAt: breaker.openedAt,
      limited: counters.limited,
      retried: counters.retried,
    };
  }

  counters(): OutboundCounters {
    const limiter = this.deps.limiter;
    return {
      limiter: limiter.kind,
      limited: this.limited,
      retried: this.retried,
      breakerOpens: this.breakers.opens,
      breakerRejected: this.breakers.rejected,
      breakersNotClosed: this.breakers.notClosed,
      redisFallbacks: limiter instanceof RedisRateLimiter ? limiter.fallbacks : 0,
    };
  }

  async close(): Promise<void> {
    this.breakers.shutdown();
    await this.deps.limiter.close();
    await this.deps.onClose?.();
  }

  private rateOf(category: Category): RateLimit {
    const windowMs = this.deps.policy.rateWindowMs ?? 1_000;
    const perS = this.deps.policy.ratesPerS[category];
    return { limit: Math.max(1, Math.round((perS * windowMs) / 1_000)), windowMs };
  }

  private countersOf(key: string): SourceCounters {
    const existing = this.perSource.get(key);
    if (existing !== undefined) return existing;
    const created = { limited: 0, retried: 0 };
    // Same bound as the breakers: past it the breaker refuses the source anyway.
    if (this.perSource.size < BREAKERS_MAX) this.perSource.set(key, created);
    return created;
  }
}

/** How long a limiter call may wait on Redis before the in-process fallback answers it. */
const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * The limiter backend, chosen once at start-up: Redis when REDIS_URL is set (shared by every
 * replica), in-process otherwise. Also answers how to close what it opened.
 */
export function createSourceRateLimiter(options: { redisUrl: string | undefined; logger?: Logger }): { limiter: SourceRateLimiter; close: () => Promise<void> } {
  if (options.redisUrl === undefined) return { limiter: new MemoryRateLimiter(), close: () => Promise.resolve() };
  const redis = connectFailFastRedis(options.redisUrl, {
    commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS,
    purpose: 'outbound rate limits fall back to in-process',
    logger: options.logger,
  });
  const limiter = new RedisRateLimiter(redis, options.logger === undefined ? {} : { logger: options.logger });
  return {
    limiter,
    close: () => {
      redis.disconnect();
      return Promise.resolve();
    },
  };
}

/** The guard as configured by the environment (the SOURCE_* variables and REDIS_URL). */
export function createOutboundGuard(
  config: Pick<
    EnvConfig,
    | 'REDIS_URL'
    | 'FETCH_TIMEOUT_MS'
    | 'SOURCE_RATE_LIMITS'
    | 'SOURCE_RATE_WAIT_MS_MAX'
    | 'SOURCE_RETRY_ATTEMPTS_MAX'
    | 'SOURCE_RETRY_BASE_MS'
    | 'SOURCE_RETRY_TOTAL_MS_MAX'
    | 'SOURCE_BREAKER_ERROR_PERCENT'
    | 'SOURCE_BREAKER_VOLUME_MIN'
    | 'SOURCE_BREAKER_WINDOW_MS'
    | 'SOURCE_BREAKER_RESET_MS'
  >,
  logger?: Logger,
): OutboundGuard {
  const { limiter, close } = createSourceRateLimiter(logger === undefined ? { redisUrl: config.REDIS_URL } : { redisUrl: config.REDIS_URL, logger });
  return new OutboundGuard({
    limiter,
    onClose: close,
    ...(logger === undefined ? {} : { logger }),
    policy: {
      ratesPerS: config.SOURCE_RATE_LIMITS,
      rateWaitMsMax: config.SOURCE_RATE_WAIT_MS_MAX,
      fetchTimeoutMs: config.FETCH_TIMEOUT_MS,
      retry: {
        attemptsMax: config.SOURCE_RETRY_ATTEMPTS_MAX,
        baseDelayMs: config.SOURCE_RETRY_BASE_MS,
        // A single pause never eats more than a quarter of the budget.
        delayMsMax: Math.max(config.SOURCE_RETRY_BASE_MS, Math.floor(config.SOURCE_RETRY_TOTAL_MS_MAX / 4)),
        totalMsMax: config.SOURCE_RETRY_TOTAL_MS_MAX,
      },
      breaker: {
        resetMs: config.SOURCE_BREAKER_RESET_MS,
        volumeMin: config.SOURCE_BREAKER_VOLUME_MIN,
        errorPercentMax: config.SOURCE_BREAKER_ERROR_PERCENT,
        windowMs: config.SOURCE_BREAKER_WINDOW_MS,
      },
    },
  });
}
