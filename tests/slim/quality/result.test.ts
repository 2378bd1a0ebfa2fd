import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmt } from '../../../slim/quality/result.ts';

/** What reasons promised before the fast path: at most 4 decimals, no trailing zeros. */
const reference = (n: number): string => String(Number(n.toFixed(4)));

describe('fmt, the number form of reasons', () => {
  it('writes any number as String(Number(n.toFixed(4))) does', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (n) => {
        expect(fmt(n)).toBe(reference(n));
      }),
      { numRuns: 50_000 },
    );
  });

  it('writes numbers with few decimals, ties, and values rounding to zero or to integers as before', () => {
    for (const n of [0, -0, 0.5, -0.5, 0.00004, -0.00004, 0.00005, 1.00005, 2.99999, -2.99996, 123.45675, 3.4, 99_999_999.99995, 1e9 + 0.25, -1e-9]) {
      expect(fmt(n)).toBe(reference(n));
    }
  });
});
