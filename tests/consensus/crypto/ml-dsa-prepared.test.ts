import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { PreparedKeyCache, rowMinusProduct, verifyWithCache } from '../../../consensus/crypto/ml-dsa-prepared.mjs';
import { Q } from '../../../consensus/crypto/ml-dsa-ntt.mjs';
import type { SignatureAlgorithm } from '../../../schemas/index.ts';

// noble's verify is the reference: every verdict here must be the one it gives.
const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;
const ALGORITHMS = Object.keys(DSA) as SignatureAlgorithm[];
const MB = 1024 * 1024;

const keysOf = (algorithm: SignatureAlgorithm, n: number) => DSA[algorithm].keygen(new Uint8Array(32).fill(n));
const reference = (algorithm: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
  try {
    return DSA[algorithm].verify(signature, message, publicKey);
  } catch {
    return false;
  }
};

describe.each(ALGORITHMS)('prepared-key verification, %s', (algorithm) => {
  const dsa = DSA[algorithm];
  const keys = keysOf(algorithm, 1);
  const other = keysOf(algorithm, 2);
  const message = new TextEncoder().encode('transfer 1 unit of bench-bond, nonce 7');
  const signature = dsa.sign(message, keys.secretKey);

  it('accepts what the key signed, on the first sight of the key and from the cache', () => {
    const cache = new PreparedKeyCache(MB);
    expect(verifyWithCache(cache, algorithm, keys.publicKey, message, signature)).toBe(true);
    expect(verifyWithCache(cache, algorithm, keys.publicKey, message, signature)).toBe(true);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
  });

  it('accepts signatures of random messages, including the empty one', () => {
    const cache = new PreparedKeyCache(MB);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (m) => {
        expect(verifyWithCache(cache, algorithm, keys.publicKey, m, dsa.sign(m, keys.secretKey))).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('gives the reference verdict for a signature with any byte changed', () => {
    const cache = new PreparedKeyCache(MB);
    fc.assert(
      fc.property(fc.nat({ max: signature.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const forged = signature.slice();
        forged[at]! ^= xor;
        const verdict = verifyWithCache(cache, algorithm, keys.publicKey, message, forged);
        expect(verdict).toBe(reference(algorithm, keys.publicKey, message, forged));
      }),
      { numRuns: 200 },
    );
  });

  it('gives the reference verdict for every byte of the hint section set to any value', () => {
    // The hint is the encoding with the most ways to be malformed (order, counts, trailing bytes).
    const cache = new PreparedKeyCache(MB);
    const hintStart = signature.length - (algorithm === 'ml_dsa44' ? 80 + 4 : algorithm === 'ml_dsa65' ? 55 + 6 : 75 + 8);
    fc.assert(
      fc.property(fc.integer({ min: hintStart, max: signature.length - 1 }), fc.nat({ max: 255 }), (at, value) => {
        const forged = signature.slice();
        forged[at] = value;
        expect(verifyWithCache(cache, algorithm, keys.publicKey, message, forged)).toBe(reference(algorithm, keys.publicKey, message, forged));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects the signature for another message, and under another key', () => {
    const cache = new PreparedKeyCache(MB);
    const changed = message.slice();
    changed[0]! ^= 1;
    expect(verifyWithCache(cache, algorithm, keys.publicKey, changed, signature)).toBe(false);
    expect(verifyWithCache(cache, algorithm, other.publicKey, message, signature)).toBe(false);
  });

  it('gives the reference verdict for a public key with any byte changed', () => {
    const cache = new PreparedKeyCache(MB);
    fc.assert(
      fc.property(fc.nat({ max: keys.publicKey.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const key = keys.publicKey.slice();
        key[at]! ^= xor;
        expect(verifyWithCache(cache, algorithm, key, message, signature)).toBe(reference(algorithm, key, message, signature));
      }),
      { numRuns: 40 },
    );
  });

  it('answers false, without throwing, for a truncated or extended signature or key', () => {
    const cache = new PreparedKeyCache(MB);
    const longer = new Uint8Array(signature.length + 1);
    longer.set(signature);
    expect(verifyWithCache(cache, algorithm, keys.publicKey, message, signature.subarray(1))).toBe(false);
    expect(verifyWithCache(cache, algorithm, keys.publicKey, message, longer)).toBe(false);
    expect(verifyWithCache(cache, algorithm, keys.publicKey.subarray(1), message, signature)).toBe(false);
    expect(verifyWithCache(cache, algorithm, new Uint8Array(0), message, signature)).toBe(false);
  });
});

describe('prepared-key cache', () => {
  const message = new Uint8Array([1, 2, 3]);
  const signed = (n: number) => {
    const keys = keysOf('ml_dsa44', n);
    return { publicKey: keys.publicKey, signature: ml_dsa44.sign(message, keys.secretKey) };
  };
  const first = signed(1);
  const second = signed(2);

  it('answers false for an algorithm it does not know, including object property names', () => {
    const cache = new PreparedKeyCache(MB);
    for (const name of ['ml_dsa99', 'constructor', '__proto__', 'toString']) {
      expect(verifyWithCache(cache, name as SignatureAlgorithm, first.publicKey, message, first.signature)).toBe(false);
    }
  });

  it('rejects a key of one size presented as another', () => {
    const cache = new PreparedKeyCache(MB);
    expect(verifyWithCache(cache, 'ml_dsa65', first.publicKey, message, first.signature)).toBe(false);
  });

  it('evicts the least recently used key once its byte budget is spent', () => {
    // One ML-DSA-44 key holds (16 + 4) polynomials of 1 KB, tr and its 1.3 KB lookup key: a budget for one, not two.
    const cache = new PreparedKeyCache(30_000);
    verifyWithCache(cache, 'ml_dsa44', first.publicKey, message, first.signature);
    verifyWithCache(cache, 'ml_dsa44', second.publicKey, message, second.signature);
    expect(cache.size).toBe(1);
    expect(cache.bytes).toBeLessThanOrEqual(30_000);
    expect(verifyWithCache(cache, 'ml_dsa44', second.publicKey, message, second.signature)).toBe(true);
    expect(cache.hits).toBe(1);
    expect(verifyWithCache(cache, 'ml_dsa44', first.publicKey, message, first.signature)).toBe(true);
    expect(cache.misses).toBe(3);
  });

  it('keeps nothing with a budget of zero and still verifies', () => {
    const cache = new PreparedKeyCache(0);
    expect(verifyWithCache(cache, 'ml_dsa44', first.publicKey, message, first.signature)).toBe(true);
    expect(verifyWithCache(cache, 'ml_dsa44', first.publicKey, message, first.signature)).toBe(true);
    expect({ size: cache.size, bytes: cache.bytes, hits: cache.hits }).toEqual({ size: 0, bytes: 0, hits: 0 });
  });

  it('tells apart keys that differ in their last byte', () => {
    const cache = new PreparedKeyCache(MB);
    const near = first.publicKey.slice();
    near[near.length - 1]! ^= 1;
    expect(verifyWithCache(cache, 'ml_dsa44', first.publicKey, message, first.signature)).toBe(true);
    expect(verifyWithCache(cache, 'ml_dsa44', near, message, first.signature)).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('refuses a negative or fractional budget', () => {
    expect(() => new PreparedKeyCache(-1)).toThrow(RangeError);
    expect(() => new PreparedKeyCache(1.5)).toThrow(RangeError);
  });
});

describe('a row of A·z − c·t', () => {
  // The exact value, in BigInt, against the doubles the verifier sums in.
  const exact = (row: Int32Array[], z: Int32Array[], c: Int32Array, t: Int32Array, k: number) => {
    let sum = -BigInt(c[k]!) * BigInt(t[k]!);
    row.forEach((a, j) => (sum += BigInt(a[k]!) * BigInt(z[j]![k]!)));
    return ((sum % BigInt(Q)) + BigInt(Q)) % BigInt(Q);
  };
  const canonical = (x: number) => BigInt(((x % Q) + Q) % Q);
  const filled = (value: (k: number) => number) => Int32Array.from({ length: 256 }, (_, k) => value(k));

  it('is exact at the largest sums: seven terms (an ML-DSA-87 row) and c·t all at ±(q − 1), adding up', () => {
    const edge = Q - 1;
    const row = Array.from({ length: 7 }, () => filled(() => edge));
    for (const sign of [1, -1]) {
      // sign·8(q − 1)²: every product pushes the sum the same way.
      const z = Array.from({ length: 7 }, () => filled(() => sign * edge));
      const c = filled(() => -sign * edge);
      const t = filled(() => edge);
      const out = rowMinusProduct(new Int32Array(256), row, z, c, t);
      for (let k = 0; k < 256; k++) {
        expect(canonical(out[k]!)).toBe(exact(row, z, c, t, k));
        expect(Math.abs(out[k]!)).toBeLessThan(Q);
      }
    }
  });

  it('is exact for random factors anywhere in (−q, q)', () => {
    const factor = fc.integer({ min: -(Q - 1), max: Q - 1 });
    const poly = fc.array(factor, { minLength: 256, maxLength: 256 }).map((v) => Int32Array.from(v));
    fc.assert(
      fc.property(fc.array(poly, { minLength: 7, maxLength: 7 }), fc.array(poly, { minLength: 7, maxLength: 7 }), poly, poly, (row, z, c, t) => {
        const out = rowMinusProduct(new Int32Array(256), row, z, c, t);
        for (let k = 0; k < 256; k += 17) expect(canonical(out[k]!)).toBe(exact(row, z, c, t, k));
      }),
      { numRuns: 30 },
    );
  });
});
