import { describe, expect, it } from 'vitest';
import { checkFreshness } from '../../../slim/quality/index.ts';
import { NOW, contextFor, market, weather } from './support.ts';

const at = (msBeforeNow: number) => new Date(NOW.getTime() - msBeforeNow).toISOString();

describe('freshness', () => {
  it('scores an observation within the category SLA as fresh', () => {
    const o = weather({ observedAt: at(59_000) });
    const result = checkFreshness(o, contextFor(o));
    expect(result.score).toBe(1);
    expect(result.reason).toBe('age 59 s within SLA 60 s');
  });

  it('decays linearly after the SLA and reaches zero at three SLAs', () => {
    const o = weather({ observedAt: at(120_000) });
    expect(checkFreshness(o, contextFor(o)).score).toBeCloseTo(0.5, 10);
    const stale = weather({ observedAt: at(180_000) });
    expect(checkFreshness(stale, contextFor(stale)).score).toBe(0);
  });

  it('applies the category SLA: five seconds for market data', () => {
    const o = market({ observedAt: at(10_000) });
    // 10 s against 5 s: (15 − 10)/(15 − 5)
    expect(checkFreshness(o, contextFor(o)).score).toBeCloseTo(0.5, 10);
  });

  it('forgives the source timestamp precision as age', () => {
    const o = weather({ observedAt: at(100_000) });
    const ctx = contextFor(o, { settings: { sourceTimestampPrecisionMs: 60_000 } });
    expect(checkFreshness(o, ctx)).toMatchObject({ score: 1, reason: 'age 40 s within SLA 60 s' });
  });

  it('tolerates up to five seconds of clock skew into the future', () => {
    const o = weather({ observedAt: at(-5_000) });
    expect(checkFreshness(o, contextFor(o)).score).toBe(1);
  });

  it('scores a timestamp more than five seconds in the future as zero', () => {
    const o = weather({ observedAt: at(-5_001) });
    const result = checkFreshness(o, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('timestamp in the future');
  });
});
