import { describe, expect, it } from 'vitest';
import { checkRange } from '../../../slim/quality/index.ts';
import { contextFor, iot, market, weather } from './support.ts';

describe('range', () => {
  it('accepts a temperature within the default bounds of temperature_2m', () => {
    const o = weather();
    expect(checkRange(o, contextFor(o)).score).toBe(1);
  });

  it('rejects a temperature above 60 °C and names the bound', () => {
    const o = weather({ value: 61 }, { temperatureC: 61 });
    const result = checkRange(o, contextFor(o));
    expect(result).toMatchObject({ score: 0 });
    expect(result.reason).toContain('above maximum 60');
  });

  it('uses the bounds of the feed metric: humidity above 100 % is out of range', () => {
    const o = weather({ value: 101, unit: '%' }, { relativeHumidityPct: 101 });
    const ctx = contextFor(o, { settings: { range: { min: 0, max: 100 } } });
    expect(checkRange(o, ctx).reason).toContain('above maximum 100');
  });

  it('lets a feed override replace the default bounds', () => {
    const o = weather({ value: -20 }, { temperatureC: -20 });
    const ctx = contextFor(o, { quality: { range: { min: -10, max: 40 } } });
    expect(checkRange(o, ctx)).toMatchObject({ score: 0, reason: 'value -20 °C below minimum -10' });
  });

  it('rejects a market price of zero because a price must be positive', () => {
    const o = market({ value: 0 }, { price: 0, bid: undefined, ask: undefined });
    const result = checkRange(o, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('must exceed 0');
  });

  it('passes iot readings when no bounds are configured', () => {
    const o = iot({ value: 1e9 }, { reading: 1e9 });
    expect(checkRange(o, contextFor(o))).toMatchObject({ score: 1, reason: 'no bounds configured' });
  });
});
