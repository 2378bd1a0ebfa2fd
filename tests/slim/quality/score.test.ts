import { describe, expect, it } from 'vitest';
import { CHECK_NAMES, type CheckResult } from '../../../schemas/index.ts';
import { decide, resolveQualitySettings, scoreChecks } from '../../../slim/quality/index.ts';

const DEFAULTS = resolveQualitySettings('weather', {}, {});

/** The eight checks in chain order, every one at `all` unless named in `some`. */
function checks(all: number, some: Partial<Record<(typeof CHECK_NAMES)[number], number>> = {}): CheckResult[] {
  return CHECK_NAMES.map((check) => ({ check, score: some[check] ?? all, reason: 'test' }));
}

describe('quality score', () => {
  describe('decision edges', () => {
    it('accepts a score of exactly 0.80', () => {
      expect(scoreChecks(checks(0.8), DEFAULTS)).toMatchObject({ score: 0.8, decision: 'accepted' });
    });

    it('sends 0.7999 to review', () => {
      expect(scoreChecks(checks(0.7999), DEFAULTS)).toMatchObject({ score: 0.7999, decision: 'review' });
    });

    it('sends a score of exactly 0.60 to review', () => {
      expect(scoreChecks(checks(0.6), DEFAULTS)).toMatchObject({ score: 0.6, decision: 'review' });
    });

    it('rejects 0.5999', () => {
      expect(scoreChecks(checks(0.5999), DEFAULTS)).toMatchObject({ score: 0.5999, decision: 'rejected' });
    });

    it('applies a feed own thresholds inclusively too', () => {
      expect(decide(0.9, { accept: 0.9, review: 0.5 })).toBe('accepted');
      expect(decide(0.5, { accept: 0.9, review: 0.5 })).toBe('review');
    });
  });

  it('weighs range and consistency double', () => {
    // (11 − 2·0.1) / 11 with range at 0.9 versus (11 − 1·0.1) / 11 with completeness at 0.9.
    expect(scoreChecks(checks(1, { range: 0.9 }), DEFAULTS).score).toBe(0.9818);
    expect(scoreChecks(checks(1, { completeness: 0.9 }), DEFAULTS).score).toBe(0.9909);
  });

  it('cannot average away one failed range check', () => {
    const result = scoreChecks(checks(1, { range: 0 }), DEFAULTS);
    // Unweighted by the cap this would be 9/11 ≈ 0.82 and accepted.
    expect(result).toMatchObject({ score: 0.2, decision: 'rejected' });
    expect(result.result.reason).toContain('capped at 0.2 by range');
  });

  it('lets a per-feed weights override change the score and the decision', () => {
    const staleish = checks(1, { freshness: 0.7 });
    const byDefault = scoreChecks(staleish, DEFAULTS);
    const freshnessHeavy = scoreChecks(staleish, resolveQualitySettings('weather', { weights: { freshness: 20 } }, {}));
    // Default weights: mean 0.9591, capped at 0.7 + 0.2. Freshness at weight 20: 23.5 / 29.5.
    expect(byDefault).toMatchObject({ score: 0.9, decision: 'accepted' });
    expect(freshnessHeavy).toMatchObject({ score: 0.7966, decision: 'review' });
  });

  it('reports itself as the ninth check named quality_score', () => {
    expect(scoreChecks(checks(1), DEFAULTS).result).toMatchObject({ check: 'quality_score', score: 1 });
  });

  it('refuses checks out of chain order', () => {
    expect(() => scoreChecks([...checks(1)].reverse(), DEFAULTS)).toThrow(/in order/);
  });
});
