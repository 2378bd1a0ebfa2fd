import { OutboundGuard, type OutboundPolicy, type SourceRateLimiter } from '../../../../slim/outbound/index.ts';
import { SOURCE_RATE_LIMITS_DEFAULT } from '../../../../schemas/index.ts';
import { MemoryRateLimiter } from '../../../../slim/outbound/limiter.ts';

/** A policy with short pauses, so tests run fast; any part can be overridden. */
export function fastPolicy(over: Partial<OutboundPolicy> = {}): OutboundPolicy {
  return {
    ratesPerS: SOURCE_RATE_LIMITS_DEFAULT,
    rateWaitMsMax: 2_000,
    fetchTimeoutMs: 2_000,
    retry: { attemptsMax: 3, baseDelayMs: 5, delayMsMax: 20, totalMsMax: 5_000 },
    breaker: { resetMs: 30_000, volumeMin: 100, errorPercentMax: 50, windowMs: 10_000 },
    ...over,
  };
}

export function guardOf(over: Partial<OutboundPolicy> = {}, limiter: SourceRateLimiter = new MemoryRateLimiter()): OutboundGuard {
  return new OutboundGuard({ limiter, policy: fastPolicy(over) });
}
