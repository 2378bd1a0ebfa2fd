// The number-theoretic transform of ML-DSA (FIPS 204, Algorithms 41 and 42) over Z_q, q = 8380417.
// noble's generic transform goes through a field object per butterfly and reduces every sum;
// verification runs nine transforms per signature, so this one is written out (3–4× faster):
// - products are reduced with a multiplication and a floor (mulMod), not `%` on a double (fmod);
// - sums are left unreduced while they provably fit an Int32Array: forward, each layer adds less
//   than q, so after eight |w| < 9q; inverse, sums double each layer, so they are reduced once
//   halfway (|w| < 32q before it, < 8q after the last layer).
// Coefficients go in anywhere in (−q, q) and come out in (−q, q), reduced at the end.
// Plain JavaScript for the verify threads; types in ml-dsa-ntt.d.mts.

export const Q = 8380417;
const N = 256;
/** 256⁻¹ mod q, FIPS 204 Algorithm 42's final factor. */
const F = 8347681;
const ROOT_OF_UNITY = 1753;
const Q_INVERSE = 1 / Q;

/**
 * A value in [0, q] congruent to a·b, for 0 ≤ a < q and |b| < 64q: the product stays below 2^53,
 * exact in a double, and the quotient's rounding error (~2^-25) can only matter at an exact
 * multiple of q, which then comes out as q rather than 0.
 */
const mulMod = (a, b) => {
  const p = a * b;
  return p - Math.floor(p * Q_INVERSE) * Q;
};

/** zetas[m] = ζ^BitRev8(m) mod q (FIPS 204 Appendix B). */
const ZETAS = (() => {
  const zetas = new Int32Array(N);
  for (let m = 0; m < N; m++) {
    let rev = 0;
    for (let b = 0; b < 8; b++) rev |= ((m >> b) & 1) << (7 - b);
    let z = 1n;
    for (let e = 0; e < rev; e++) z = (z * BigInt(ROOT_OF_UNITY)) % BigInt(Q);
    zetas[m] = Number(z);
  }
  return zetas;
})();

/** In place: the polynomial's NTT, in FIPS 204's bit-reversed order. */
export function ntt(w) {
  let m = 0;
  for (let len = 128; len >= 1; len >>= 1) {
    for (let start = 0; start < N; start += 2 * len) {
      const z = ZETAS[++m];
      for (let j = start; j < start + len; j++) {
        const t = mulMod(z, w[j + len]);
        const a = w[j];
        w[j + len] = a - t;
        w[j] = a + t;
      }
    }
  }
  for (let j = 0; j < N; j++) w[j] %= Q;
  return w;
}

/** In place: the inverse of ntt, scaled back by 256⁻¹. */
export function inverseNtt(w) {
  let m = 256;
  for (let len = 1; len < N; len <<= 1) {
    for (let start = 0; start < N; start += 2 * len) {
      const z = Q - ZETAS[--m];
      for (let j = start; j < start + len; j++) {
        const a = w[j];
        const b = w[j + len];
        // Sums double each layer: one reduction halfway keeps them below 2^31 (see the header).
        w[j] = len === 16 ? (a + b) % Q : a + b;
        w[j + len] = mulMod(z, a - b);
      }
    }
  }
  for (let j = 0; j < N; j++) w[j] = mulMod(F, w[j]) % Q;
  return w;
}
