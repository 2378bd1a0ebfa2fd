import { describe, expect, it } from 'vitest';
import { BoundedBlockCache } from '../../../gateway/rate-limit/block-cache.ts';
import { rewriteScriptForRedis70 } from '../../../gateway/rate-limit/redis-adapter.ts';
import { slidingWindowStep, type WindowCounts } from '../../../gateway/rate-limit/sliding-window.ts';
import { decisionToReport, rateLimitHeaders, tierOf } from '../../../gateway/rate-limit/policy.ts';
import { RateSpec } from '../../../schemas/rate-limit.ts';

const rate = { limit: 10, windowMs: 1_000 };

describe('the sliding-window rule', () => {
  it('counts the previous window in proportion to how much of it the sliding window still covers', () => {
    const full: WindowCounts = { window: 4, current: 10, previous: 0 };
    // 30% into window 5: 70% of the previous 10 still count, so 3 are left.
    const allowed = [];
    let counts: WindowCounts = full;
    for (let i = 0; i < 4; i++) {
      const step = slidingWindowStep(counts, rate, 5_300, 1);
      counts = step.counts;
      allowed.push(step.decision.allowed);
    }
    expect(allowed).toEqual([true, true, true, false]);
  });

  it('forgets counts older than the previous window', () => {
    const { decision } = slidingWindowStep({ window: 1, current: 10, previous: 10 }, rate, 5_000, 1);
    expect(decision).toEqual({ allowed: true, limit: 10, remaining: 9, resetAtMs: 6_000 });
  });

  it('gives a slot back on a refund, even at the limit', () => {
    const { counts, decision } = slidingWindowStep({ window: 5, current: 10, previous: 0 }, rate, 5_500, -1);
    expect(decision.allowed).toBe(true);
    expect(counts.current).toBe(9);
    expect(slidingWindowStep(counts, rate, 5_500, 1).decision.allowed).toBe(true);
  });
});

describe('rate settings', () => {
  it('reads rates written per second, minute or hour', () => {
    expect(RateSpec.parse('600/min')).toEqual({ limit: 600, windowMs: 60_000 });
    expect(RateSpec.parse('20/s')).toEqual({ limit: 20, windowMs: 1_000 });
    expect(RateSpec.safeParse('0/s').success).toBe(false);
    expect(RateSpec.safeParse('10 per minute').success).toBe(false);
  });

  it("gives a key the tier assigned to it, else its role's, else the tier named after its role", () => {
    const tiers = { dapp: rate, partner: rate, provider: rate };
    const key = 'key_0123456789abcdef0123456789abcdef';
    expect(tierOf({ id: key, role: 'dapp' }, tiers, { [key]: 'partner' })).toBe('partner');
    expect(tierOf({ id: key, role: 'provider' }, tiers, { provider: 'dapp' })).toBe('dapp');
    expect(tierOf({ id: key, role: 'dapp' }, tiers, {})).toBe('dapp');
    expect(tierOf({ id: key, role: 'admin' }, tiers, {})).toBeNull();
  });
});

describe('RateLimit headers', () => {
  it('describe the refusing limit, else the one with the fewest requests left', () => {
    const loose = { allowed: true, limit: 1000, remaining: 990, resetAtMs: 1_000 };
    const tight = { allowed: true, limit: 5, remaining: 2, resetAtMs: 60_000 };
    const refused = { allowed: false, limit: 1000, remaining: 0, resetAtMs: 1_000 };
    expect(decisionToReport([loose, tight])).toBe(tight);
    expect(decisionToReport([tight, refused])).toBe(refused);
    expect(rateLimitHeaders(tight, 500)).toEqual({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '2', 'RateLimit-Reset': '60' });
  });
});

describe('the block cache', () => {
  it('keeps at most its bound of identifiers, dropping the oldest', () => {
    const cache = new BoundedBlockCache(3);
    for (let i = 0; i < 10; i++) cache.set(`ip-${i}`, 1_000 + i);
    expect(cache.size).toBe(3);
    expect([...cache.keys()]).toEqual(['ip-7', 'ip-8', 'ip-9']);
    expect(cache instanceof Map).toBe(true);
  });
});

describe('scripts for Redis 7.0', () => {
  it('drops script flags Redis 7.0 does not know and keeps the rest of the script as it was', () => {
    expect(rewriteScriptForRedis70('#!lua flags=allow-key-locking\n  return 1')).toBe('#!lua\n  return 1');
    expect(rewriteScriptForRedis70('#!lua flags=no-writes,allow-key-locking\nreturn 1')).toBe('#!lua flags=no-writes\nreturn 1');
    expect(rewriteScriptForRedis70('return 1')).toBe('return 1');
  });
});
