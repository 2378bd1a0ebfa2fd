import { describe, expect, it } from 'vitest';
import { checkCompleteness } from '../../../slim/quality/index.ts';
import { carbon, contextFor, iot, market, weather } from './support.ts';

describe('completeness', () => {
  it('scores a weather observation carrying every variable as complete', () => {
    const o = weather();
    expect(checkCompleteness(o, contextFor(o)).score).toBe(1);
  });

  it('scores zero and names the field when the attested metric is missing', () => {
    const o = weather({}, { temperatureC: undefined });
    const result = checkCompleteness(o, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('data.temperatureC');
  });

  it('lowers the score by the share of missing optional variables without failing', () => {
    const o = weather({}, { windSpeedKmh: undefined, pressureHpa: undefined });
    const result = checkCompleteness(o, contextFor(o));
    // 8 base + 4 required weather fields + 4 optional variables = 16 expected, 14 present.
    expect(result.score).toBeCloseTo(14 / 16, 10);
    expect(result.reason).toContain('data.windSpeedKmh');
  });

  it('counts a null field as missing', () => {
    const o = { ...market(), data: { ...market().data, price: null } };
    const result = checkCompleteness(o, contextFor(market()));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('data.price');
  });

  it('requires a price, not an intensity, from a carbon credit price reading', () => {
    const o = carbon({ value: 70, unit: 'USD/t' }, { kind: 'credit_price', intensityGPerKwh: undefined, forecastGPerKwh: undefined, index: undefined, priceUsdPerTonne: 70, instrument: 'toucan-protocol-base-carbon-tonne' });
    expect(checkCompleteness(o, contextFor(o)).score).toBe(1);
  });

  it('requires the device, metric and reading of an iot reading but not its position', () => {
    const o = iot({}, { latitude: undefined, longitude: undefined });
    const result = checkCompleteness(o, contextFor(o));
    expect(result.score).toBeCloseTo(11 / 13, 10);
  });

  it('falls back to the feed category when raw input lacks one', () => {
    const o = iot();
    const { category: _dropped, ...raw } = o;
    const result = checkCompleteness(raw, contextFor(o));
    expect(result.score).toBe(0);
    expect(result.reason).toBe('missing required: category');
  });

  it('scores a non-object as an unreadable observation', () => {
    const o = weather();
    expect(checkCompleteness('42', contextFor(o))).toMatchObject({ score: 0, reason: 'unreadable observation' });
  });
});
