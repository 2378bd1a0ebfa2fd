import { describe, expect, it } from 'vitest';
import { FRESHNESS_SLA_MS } from '../../../schemas/index.ts';
import { AppError } from '../../../runtime/errors.ts';
import { resolveQualitySettings } from '../../../slim/quality/index.ts';

describe('quality settings', () => {
  it('starts from the category defaults', () => {
    const s = resolveQualitySettings('weather', {}, {}, 'temperature_2m');
    expect(s.weights).toEqual({
      completeness: 1,
      format: 1,
      range: 2,
      consistency: 2,
      source_verification: 1.5,
      freshness: 1.5,
      uniqueness: 1,
      referential_integrity: 1,
    });
    expect(s.thresholds).toEqual({ accept: 0.8, review: 0.6 });
    expect(s.weakestCheckMargin).toBe(0.2);
    expect(s.freshnessSlaMs).toBe(FRESHNESS_SLA_MS.weather);
    expect(s.sourceTimestampPrecisionMs).toBe(0);
    expect(s.range).toEqual({ min: -90, max: 60 });
  });

  it('layers configuration weights for the category, then the feed own weights', () => {
    const s = resolveQualitySettings('weather', { weights: { freshness: 4 } }, { weather: { freshness: 3, range: 5 }, market: { range: 9 } });
    expect(s.weights.freshness).toBe(4);
    expect(s.weights.range).toBe(5);
  });

  it('picks the default range of the feed metric', () => {
    expect(resolveQualitySettings('weather', {}, {}, 'surface_pressure').range).toEqual({ min: 800, max: 1100 });
  });

  it('prefers the feed range over the default', () => {
    expect(resolveQualitySettings('weather', { range: { min: -5, max: 5 } }, {}).range).toEqual({ min: -5, max: 5 });
  });

  it('configures no bounds for iot by default', () => {
    expect(resolveQualitySettings('iot', {}, {}).range).toBeNull();
  });

  it('takes the adapter timestamp precision when given', () => {
    expect(resolveQualitySettings('weather', {}, {}, undefined, { sourceTimestampPrecisionMs: 60_000 }).sourceTimestampPrecisionMs).toBe(60_000);
  });

  it('refuses weights that are all zero', () => {
    const zero = { completeness: 0, format: 0, range: 0, consistency: 0, source_verification: 0, freshness: 0, uniqueness: 0, referential_integrity: 0 };
    expect(() => resolveQualitySettings('market', { weights: zero }, {})).toThrow(AppError);
  });

});
