import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOfMs, observedAtMs } from '../../../slim/quality/timestamps.ts';

const YEAR_10000_MS = Date.UTC(10_000, 0, 1);

describe('timestamps of the quality chain', () => {
  it('writes any instant exactly as Date.prototype.toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -YEAR_10000_MS, max: YEAR_10000_MS + 10 ** 12 }), (ms) => {
        expect(isoOfMs(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes leap days, century years and the edges of the fast range as toISOString does', () => {
    const instants = [0, 951_782_400_000, 4_107_542_400_000, 4_107_455_999_999, YEAR_10000_MS - 1, YEAR_10000_MS, -1, 1.5];
    for (const ms of instants) expect(isoOfMs(ms)).toBe(new Date(ms).toISOString());
  });

  it('refuses an invalid instant as toISOString does', () => {
    expect(() => isoOfMs(Number.NaN)).toThrow(RangeError);
  });

  it('parses observedAt as Date.parse does, whatever was parsed before', () => {
    for (const iso of ['2025-01-15T13:45:00.000Z', '2025-01-15T13:45:00.000+02:00', 'not a time', '2025-01-15T13:45:00.000Z']) {
      expect(Object.is(observedAtMs(iso), Date.parse(iso))).toBe(true);
    }
  });
});
