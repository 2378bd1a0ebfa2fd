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

    it('rejects a market price far outside the bid–ask spread', () => {
      const o = market({ value: 102 }, { price: 102 });
      expect(checkConsistency(o, contextFor(o))).toMatchObject({ score: 0, reason: 'price 102 is 150 bp outside [bid 99.5, ask 100.5]' });
    });

    it('forgives a trade printed just outside the quote beside it', () => {
      const o = market({ value: 100.55 }, { price: 100.55 });
      expect(checkConsistency(o, contextFor(o)).score).toBe(1);
    });

    it('lowers the score of a trade the further it prints outside the quote', () => {
      const near = market({ value: 100.8 }, { price: 100.8 });
      const far = market({ value: 101.2 }, { price: 101.2 });
      const nearScore = checkConsistency(near, contextFor(near)).score;
      const farScore = checkConsistency(far, contextFor(far)).score;
      expect(nearScore).toBeLessThan(1);
      expect(farScore).toBeLessThan(nearScore);
      expect(farScore).toBeGreaterThan(0);
    });

    it('checks a bar by its own range instead of the quote', () => {
      const bar = { open: 100, high: 103, low: 99, close: 102, volume: 5_000, vwap: 101, durationMs: 60_000 };
      const o = market({ value: 102 }, { price: 102, bar });
      expect(checkConsistency(o, contextFor(o)).score).toBe(1);
    });

    it('rejects a bar whose close lies outside its low and high', () => {
      const bar = { open: 100, high: 101, low: 99, close: 102, volume: 5_000, durationMs: 60_000 };
      const o = market({ value: 102 }, { price: 102, bar });
      expect(checkConsistency(o, contextFor(o)).score).toBe(0);
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
      const o = carbon({ value: 600 }, { intensityGPerKwh: 600, forecastGPerKwh: 600, index: 'very low' });
      expect(checkConsistency(o, contextFor(o)).score).toBe(0);
    });

    it('accepts the API documentation example, 263 g/kWh "moderate" in January 2018, in that year\'s bands', () => {
      const o = carbon(
        { value: 263, observedAt: '2018-01-20T12:00:00.000Z' },
        { intensityGPerKwh: 263, forecastGPerKwh: 266, index: 'moderate' },
      );
      expect(checkConsistency(o, contextFor(o, { history: { values: [] } })).score).toBe(1);
    });

    it('tolerates a carbon index just across a band edge', () => {
      const o = carbon({ value: 205 }, { intensityGPerKwh: 205, forecastGPerKwh: 205, index: 'moderate' });
      expect(checkConsistency(o, contextFor(o)).score).toBe(1);
    });

    it('compares the index with the forecast it was derived from, not the measured intensity', () => {
      const o = carbon({ value: 260 }, { intensityGPerKwh: 260, forecastGPerKwh: 190, index: 'moderate' });
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

    it('refuses a context whose sorted history does not ascend: a bug of the context builder, not a verdict', () => {
      const o = weather();
      const ctx = contextFor(o, { history: { values: [1, 2, 3, 4, 5], sortedValues: [1, 3, 2, 4, 5] } });
      expect(() => checkConsistency(o, ctx)).toThrow(RangeError);
    });
  });
});

describe('consistency: cross-source agreement', () => {
  const peersAt = (...values: number[]) => values.map((value, i) => ({ feedId: `peer-${i}`, value, observedAt: '2025-01-15T13:45:00.000Z' }));

  it('does not apply with fewer than two peers, and says so', () => {
    const o = market({ value: 150 }, { price: 150, bid: undefined, ask: undefined });
    const result = checkConsistency(o, contextFor(o, { peers: peersAt(100) }));
    expect(result.score).toBe(1);
    expect(result.reason).toContain('cross-source agreement not applied: 1 peer feed (needs 2)');
  });

  it('scores 1 within 0.5 % of the peers median for a market price', () => {
    const o = market();
    const result = checkConsistency(o, contextFor(o, { peers: peersAt(100.2, 99.9, 100.4) }));
    expect(result.score).toBe(1);
    expect(result.reason).toContain('from the median 100.2 of 3 peer feeds');
  });

  it('scores 0 for a market price 10 % or more off the peers median, naming median and peer count', () => {
    const o = market({ value: 100 }, { price: 100, bid: 99.5, ask: 100.5 });
    const result = checkConsistency(o, contextFor(o, { peers: peersAt(111, 112, 113, 114) }));
    expect(result.score).toBe(0);
    expect(result.reason).toBe('deviation 11.1111 % from the median 112.5 of 4 peer feeds');
  });

  it('scores linearly between the bands', () => {
    const o = market({ value: 105.25 }, { price: 105.25, bid: undefined, ask: undefined });
    // 5.25 % off: halfway between 0.5 % and 10 %.
    expect(checkConsistency(o, contextFor(o, { peers: peersAt(100, 100) })).score).toBeCloseTo(0.5, 6);
  });

  it('is not outvoted by one broken peer: the reference is the median', () => {
    const o = market();
    expect(checkConsistency(o, contextFor(o, { peers: peersAt(100, 100.1, 5_000) })).score).toBe(1);
  });

  it('never counts the observation own feed as a peer', () => {
    const o = market();
    const peers = [...peersAt(200), { feedId: o.feedId, value: 200, observedAt: '2025-01-15T13:45:00.000Z' }];
    expect(checkConsistency(o, contextFor(o, { peers })).reason).toContain('not applied: 1 peer feed');
  });

  it('judges temperatures near 0 °C on a floor scale, not as infinite percentages', () => {
    const o = weather({ value: 0.3 }, { temperatureC: 0.3 });
    expect(checkConsistency(o, contextFor(o, { peers: peersAt(0, -0.2, 0.1) })).score).toBe(1);
  });
});
