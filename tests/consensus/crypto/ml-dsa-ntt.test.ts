import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genCrystals } from '@noble/post-quantum/_crystals.js';
import { inverseNtt, ntt, Q } from '../../../consensus/crypto/ml-dsa-ntt.mjs';

// noble's transform is the reference: the same FIPS 204 parameters ML-DSA is built on there.
const reference = genCrystals({ N: 256, Q, F: 8347681, ROOT_OF_UNITY: 1753, newPoly: (n: number) => new Int32Array(n), isKyber: false, brvBits: 8 });
const canonical = (p: Int32Array) => Array.from(p, (x) => ((x % Q) + Q) % Q);
const coefficient = fc.integer({ min: -(Q - 1), max: Q - 1 });
const polynomial = fc.array(coefficient, { minLength: 256, maxLength: 256 }).map((c) => Int32Array.from(c));
const extremes = [Int32Array.from({ length: 256 }, () => Q - 1), Int32Array.from({ length: 256 }, () => -(Q - 1)), Int32Array.from({ length: 256 }, (_, i) => (i % 2 === 0 ? Q - 1 : -(Q - 1)))];

describe('ML-DSA number-theoretic transform', () => {
  it('gives the reference NTT of any polynomial with coefficients in (−q, q)', () => {
    fc.assert(
      fc.property(polynomial, (p) => {
        expect(canonical(ntt(p.slice()))).toEqual(canonical(reference.NTT.encode(p.slice())));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the reference inverse NTT of any polynomial with coefficients in (−q, q)', () => {
    fc.assert(
      fc.property(polynomial, (p) => {
        expect(canonical(inverseNtt(p.slice()))).toEqual(canonical(reference.NTT.decode(p.slice())));
      }),
      { numRuns: 300 },
    );
  });

  it('matches the reference on the largest coefficients in both directions', () => {
    for (const p of extremes) {
      expect(canonical(ntt(p.slice()))).toEqual(canonical(reference.NTT.encode(p.slice())));
      expect(canonical(inverseNtt(p.slice()))).toEqual(canonical(reference.NTT.decode(p.slice())));
    }
  });

  it('keeps every output coefficient inside (−q, q), so outputs can be transformed again', () => {
    fc.assert(
      fc.property(polynomial, (p) => {
        for (const x of [...ntt(p.slice()), ...inverseNtt(p.slice())]) expect(Math.abs(x)).toBeLessThan(Q);
      }),
      { numRuns: 100 },
    );
    for (const p of extremes) for (const x of [...ntt(p.slice()), ...inverseNtt(p.slice())]) expect(Math.abs(x)).toBeLessThan(Q);
  });

  it('undoes itself: the inverse of the transform is the polynomial', () => {
    fc.assert(
      fc.property(polynomial, (p) => {
        expect(canonical(inverseNtt(ntt(p.slice())))).toEqual(canonical(p));
      }),
      { numRuns: 100 },
    );
  });
});
