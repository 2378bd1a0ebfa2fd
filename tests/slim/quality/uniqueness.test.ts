import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashValue } from '../../../runtime/hash.ts';
import { checkUniqueness, contentHashOf } from '../../../slim/quality/index.ts';
import { OBSERVED_AT, contextFor, weather } from './support.ts';

describe('uniqueness', () => {
  it('accepts new content with a newer source timestamp', () => {
    const o = weather();
    const ctx = contextFor(o, { history: { lastObservedAt: '2025-01-15T13:30:00.000Z', recentContentHashes: ['ab'.repeat(32)] } });
    expect(checkUniqueness(o, ctx).score).toBe(1);
  });

  it('rejects content already seen', () => {
    const o = weather();
    const ctx = contextFor(o, { history: { recentContentHashes: [contentHashOf(o)] } });
    expect(checkUniqueness(o, ctx)).toMatchObject({ score: 0, reason: 'duplicate content' });
  });

  it('rejects a source timestamp equal to the last one', () => {
    const o = weather({ value: 3.5 }, { temperatureC: 3.5 });
    const result = checkUniqueness(o, contextFor(o, { history: { lastObservedAt: OBSERVED_AT } }));
    expect(result.score).toBe(0);
    expect(result.reason).toContain('source timestamp not after the last one');
  });

  it('rejects a source timestamp older than the last one', () => {
    const o = weather();
    expect(checkUniqueness(o, contextFor(o, { history: { lastObservedAt: '2025-01-15T14:00:00.000Z' } })).score).toBe(0);
  });

  it('hashes content without the receive time, so a re-poll of the same answer is a duplicate', () => {
    const first = weather({ receivedAt: '2025-01-15T13:46:00.000Z' });
    const again = weather({ receivedAt: '2025-01-15T13:47:00.000Z' });
    expect(contentHashOf(again)).toBe(contentHashOf(first));
  });

  it('hashes exactly as hashValue does over the same fields, whatever the text', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
    fc.assert(
      fc.property(text, text, fc.double({ noNaN: true, noDefaultInfinity: true }), (feedId, unit, value) => {
        const o = { ...weather({ value, unit }), feedId };
        const { assetId, category, observedAt, data } = o;
        expect(contentHashOf(o)).toBe(hashValue({ feedId, assetId, category, observedAt, value, unit, data }));
      }),
      { numRuns: 200, seed: 20_260_304 },
    );
  });

  it('hashes a changed value differently', () => {
    expect(contentHashOf(weather({ value: 3.5 }))).not.toBe(contentHashOf(weather()));
  });
});
