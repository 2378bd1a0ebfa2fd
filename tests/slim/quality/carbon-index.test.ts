import { describe, expect, it } from 'vitest';
import { carbonIndexBands, carbonIndexOf, distanceFromBand } from '../../../slim/quality/carbon-index.ts';

describe('carbon intensity index bands', () => {
  it('labels the API documentation example, 263 g/kWh in January 2018, moderate', () => {
    expect(carbonIndexOf(263, 2018)).toBe('moderate');
  });

  it('uses the 2017 bands of the methodology in its first year', () => {
    expect(carbonIndexBands(2017).map((b) => [b.index, b.from, b.to])).toEqual([
      ['very low', 0, 100],
      ['low', 100, 180],
      ['moderate', 180, 280],
      ['high', 280, 380],
      ['very high', 380, Number.POSITIVE_INFINITY],
    ]);
  });

  it('lowers the edges every year, so the same intensity reads higher later', () => {
    expect(carbonIndexOf(175, 2017)).toBe('low');
    expect(carbonIndexOf(175, 2024)).toBe('moderate');
  });

  it('keeps the last bands for years past the schedule and the first for years before it', () => {
    expect(carbonIndexBands(2040)).toEqual(carbonIndexBands(2030));
    expect(carbonIndexBands(2010)).toEqual(carbonIndexBands(2017));
  });

  it('measures no distance inside the named band and the gap outside it', () => {
    expect(distanceFromBand('moderate', 263, 2018)).toBe(0);
    expect(distanceFromBand('low', 263, 2018)).toBe(263 - 170 + 1);
    expect(distanceFromBand('very high', 263, 2018)).toBe(370 - 263);
  });
});
