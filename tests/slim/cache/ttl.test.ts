import { describe, expect, it } from 'vitest';
import { answerAgeMsMax, hitRatioOf, sourceCacheTtlMs } from '../../../slim/cache/index.ts';

describe('source cache TTL', () => {
  it('is the configured share of the category freshness SLA', () => {
    expect(sourceCacheTtlMs('market', 25)).toBe(1_250);
    expect(sourceCacheTtlMs('weather', 25)).toBe(15_000);
    expect(sourceCacheTtlMs('real_estate', 25)).toBe(900_000);
    expect(sourceCacheTtlMs('carbon', 100)).toBe(300_000);
  });

  it('lets a feed take answers younger than the TTL and than half its own interval', () => {
    expect(answerAgeMsMax(15_000, 60_000)).toBe(15_000);
    expect(answerAgeMsMax(1_250, 1_000)).toBe(500);
    expect(answerAgeMsMax(15_000, undefined)).toBe(15_000);
  });
});

describe('source cache hit ratio', () => {
  it('is hits over lookups', () => {
    expect(hitRatioOf({ hits: 3, lookups: 4 })).toBe(0.75);
    expect(hitRatioOf({ hits: 0, lookups: 5 })).toBe(0);
  });

  it('is absent before the first lookup, rather than a misleading zero', () => {
    expect(hitRatioOf({ hits: 0, lookups: 0 })).toBeNull();
  });
});
