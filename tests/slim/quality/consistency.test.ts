import { describe, expect, it } from 'vitest';
import { checkConsistency } from '../../../slim/quality/index.ts';
import { carbon, contextFor, iot, market, realEstate, weather } from './support.ts';

/** A history with spread: median 20, MAD 0.5 (robust z of 21 is 1.35, of 25 is 6.7, of 30 is 13.5). */
const STABLE = [19, 19.5, 20, 20, 20.5, 21, 19.5, 20.5, 20];

describe('consistency', () => {
  describe('cross-field', () => {
    it('rejects weather humidity above 100 %', () => {
      const o = weather({}, { relativeHumidityPct: 104 });
      expect(checkConsistency(o, contextFor(o))).toMatchObject({ score: 0, reason: 'relative humidity 104 % outside 0..100 %' });
    });

    it('rejects a weather value that is not the feed metric reading', () => {
      const o = weather({ value: 81 });
      const result = checkConsistency(o, contextFor(o));
      expect(result.score).toBe(0);
      expect(result.reason).toContain('differs from data.temperatureC');
    });

    it('rejects a market quote whose bid is above its ask', () => {
      const o = market({}, { bid: 101, ask: 100.5 });
      expect(checkConsistency(o, contextFor(o)).reason).toBe('bid 101 above ask 100.5');
    });

    it('rejects a market price outside the bid–ask spread', () => {
      const o = market({ value: 102 }, { price: 102 });
      expect(checkConsistency(o, contextFor(o))).toMatchObject({ score: 0, reason: 'price 102 outside [bid 99.5, ask 100.5]' });
    });

    it('skips the spread check when only one side is quoted', () => {
      const o = market({ value: 102 }, { price: 102, ask: undefined });
      expect(checkConsistency(o, contextFor(o)).score).toBe(1);
    });

    it('rejects a real-estate valuation above its own range', () => {
      const o = realEstate({ value: 500_000 }, { valuationUsd: 500_000 });
      expect(checkConsistency(o, contextFor(o)).reason).toBe('valuation 500000 above its range high 480000');
    });

    it('rejects a carbon index band that contradicts the intensity', () => {
      const o = carbon({ value: 600 }, { intensityGPerKwh: 600, index: 'very low' });
      expect(checkConsistency(o, contextFor(o)).score).toBe(0);
    });

    it('tolerates a carbon index just across a band edge, as bands shift yearly', () => {
      const o = carbon({ value: 210 }, { intensityGPerKwh: 210, index: 'moderate' });
      expect(checkConsistency(o, contextFor(o)).score).toBe(1);
    });
  });

  describe('spike test against history', () => {
    it('abstains with fewer than five history values', () => {
      const o = iot({ value: 1000 }, { reading: 1000 });
      const result = checkConsistency(o, contextFor(o, { history: { values: [1, 2, 3, 4] } }));
      expect(result.score).toBe(1);
      expect(result.reason).toContain('not enough history');
    });

    it('passes a value in line with a stable history', () => {
      const o = iot({ value: 21 }, { reading: 21 });
      expect(checkConsistency(o, contextFor(o, { history: { values: STABLE } })).score).toBe(1);
    });

    it('scores a spike at robust z ≥ 10 as zero', () => {
      const o = iot({ value: 30 }, { reading: 30 });
      const result = checkConsistency(o, contextFor(o, { history: { values: STABLE } }));
      expect(result.score).toBe(0);
      expect(result.reason).toContain('robust z 13.49');
    });

    it('scores a moderate deviation between z 3.5 and 10 linearly', () => {
      const o = iot({ value: 25 }, { reading: 25 });
      const result = checkConsistency(o, contextFor(o, { history: { values: STABLE } }));
      // z = 0.6745·5/0.5 = 6.745 → (10 − 6.745)/(10 − 3.5)
      expect(result.score).toBeCloseTo((10 - 6.745) / 6.5, 10);
    });

    it('is not fooled by one earlier outlier in the history', () => {
      const o = iot({ value: 30 }, { reading: 30 });
      const result = checkConsistency(o, contextFor(o, { history: { values: [...STABLE, 500] } }));
      expect(result.score).toBe(0);
    });

    it('falls back to relative deviation when the history is constant', () => {
      const constant = [20, 20, 20, 20, 20, 20];
      const o = iot({ value: 22 }, { reading: 22 });
      const result = checkConsistency(o, contextFor(o, { history: { values: constant } }));
      // 10 % from the median: (0.2 − 0.1)/(0.2 − 0.01)
      expect(result.score).toBeCloseTo(0.1 / 0.19, 10);
      expect(result.reason).toContain('10 %');
    });

    it('scores a 20 % jump from a constant history as zero', () => {
      const o = iot({ value: 24 }, { reading: 24 });
      expect(checkConsistency(o, contextFor(o, { history: { values: [20, 20, 20, 20, 20] } })).score).toBe(0);
    });

    it('abstains on a history constant at zero, where a relative deviation is undefined', () => {
      const o = weather({ value: 0.3, unit: 'mm' }, { precipitationMm: 0.3 });
      const ctx = contextFor(o, { history: { values: [0, 0, 0, 0, 0, 0] }, feed: null });
      expect(checkConsistency(o, ctx).score).toBe(1);
    });

    it('names the worst part when several fail', () => {
      const o = market({ value: 150 }, { price: 150, bid: 99, ask: 101 });
      const result = checkConsistency(o, contextFor(o, { history: { values: [100, 100.5, 99.5, 100, 101, 99] } }));
      expect(result.score).toBe(0);
      expect(result.reason).toContain('outside [bid 99, ask 101]');
    });
  });
});
