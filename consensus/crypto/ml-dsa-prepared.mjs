// ML-DSA verification (FIPS 204, Algorithm 8) with each public key prepared once.
//
// Most of a signature check depends on the public key alone: tr = H(pk), the matrix A expanded
// from ρ by SHAKE128 rejection sampling, and NTT(t1·2^d) (about 40% of noble's verify, three
// quarters of this one's). An account signs many transactions, so the verify threads keep that
// work per key (PreparedKeyCache) and redo only the per-signature part. The result is the same verdict as @noble/post-quantum's ml_dsa*.verify with
// an empty context, which the tests check on valid, forged and malformed inputs of all three sizes;
// noble's bit packing and SHAKE are used; the NTT is ml-dsa-ntt.mjs.
//
// Plain JavaScript because the verify threads load it without a TypeScript loader (see
// verify-worker.mjs); the types are in ml-dsa-prepared.d.mts.
import { genCrystals, XOF128 } from '@noble/post-quantum/_crystals.js';
import { shake256 } from '@noble/hashes/sha3.js';
import { LRUCache } from 'lru-cache';
import { inverseNtt, ntt, Q } from './ml-dsa-ntt.mjs';

const N = 256;
const D = 13;
const TR_BYTES = 64;
const CRH_BYTES = 64;
const T1_BYTES = (10 * N) / 8;

const crystals = genCrystals({ N, Q, F: 8347681, ROOT_OF_UNITY: 1753, newPoly: (n) => new Int32Array(n), isKyber: false, brvBits: 8 });
const { mod, smod } = crystals;

/** FIPS 204 Table 1 and 2, the parameters verification needs. */
const PARAMS = {
  ml_dsa44: { K: 4, L: 4, GAMMA1: 2 ** 17, GAMMA2: Math.floor((Q - 1) / 88), TAU: 39, ETA: 2, OMEGA: 80, C_TILDE_BYTES: 32 },
  ml_dsa65: { K: 6, L: 5, GAMMA1: 2 ** 19, GAMMA2: Math.floor((Q - 1) / 32), TAU: 49, ETA: 4, OMEGA: 55, C_TILDE_BYTES: 48 },
  ml_dsa87: { K: 8, L: 7, GAMMA1: 2 ** 19, GAMMA2: Math.floor((Q - 1) / 32), TAU: 60, ETA: 2, OMEGA: 75, C_TILDE_BYTES: 64 },
};

/** One parameter set's coders and helpers, built once. */
function scheme(p) {
  const { K, L, GAMMA1, GAMMA2, TAU, ETA, OMEGA, C_TILDE_BYTES } = p;
  const BETA = TAU * ETA;
  const HINT_M = Math.floor((Q - 1) / (2 * GAMMA2));
  const t1Coder = crystals.bitsCoder(10, { encode: (i) => i, decode: (i) => i });
  const zCoder = crystals.bitsCoder(GAMMA1 === 2 ** 17 ? 18 : 20, { encode: (i) => smod(GAMMA1 - i), decode: (i) => smod(GAMMA1 - i) });
  const w1Coder = crystals.bitsCoder(HINT_M === 44 ? 6 : 4, { encode: (i) => i, decode: (i) => i });
  const publicKeyBytes = 32 + K * T1_BYTES;
  const signatureBytes = C_TILDE_BYTES + L * zCoder.bytesLen + OMEGA + K;

  /** Algorithm 40 with the Algorithm 36 decomposition: the high bits of r, moved by the hint. */
  const useHint = (h, r) => {
    const rPlus = mod(r);
    let r0 = smod(rPlus, 2 * GAMMA2) | 0;
    let r1;
    if (rPlus - r0 === Q - 1) {
      r1 = 0;
      r0 = (r0 - 1) | 0;
    } else {
      r1 = Math.floor((rPlus - r0) / (2 * GAMMA2)) | 0;
    }
    if (h !== 1) return r1;
    return r0 > 0 ? mod(r1 + 1, HINT_M) : mod(r1 - 1, HINT_M);
  };

  /** Algorithm 21 (HintBitUnpack): null for any malformed encoding, as the standard requires. */
  const decodeHint = (buf) => {
    const h = [];
    let k = 0;
    for (let i = 0; i < K; i++) {
      const hi = new Int32Array(N);
      const end = buf[OMEGA + i];
      if (end < k || end > OMEGA) return null;
      for (let j = k; j < end; j++) {
        if (j > k && buf[j] <= buf[j - 1]) return null;
        hi[buf[j]] = 1;
      }
      k = end;
      h.push(hi);
    }
    for (let j = k; j < OMEGA; j++) if (buf[j] !== 0) return null;
    return h;
  };

  /** Algorithm 29: c with TAU coefficients ±1, from the commitment hash. */
  const sampleInBall = (seed) => {
    const c = new Int32Array(N);
    const xof = shake256.create({}).update(seed);
    const buf = new Uint8Array(shake256.blockLen);
    xof.xofInto(buf);
    const signs = buf.slice(0, 8);
    for (let i = N - TAU, pos = 8, signByte = 0, signBit = 0; i < N; i++) {
      let b = i + 1;
      while (b > i) {
        b = buf[pos++];
        if (pos < shake256.blockLen) continue;
        xof.xofInto(buf);
        pos = 0;
      }
      c[i] = c[b];
      c[b] = 1 - (((signs[signByte] >> signBit++) & 1) << 1);
      if (signBit >= 8) {
        signByte++;
        signBit = 0;
      }
    }
    return c;
  };

  /** Algorithm 30 (RejNTTPoly): one entry of A, already in the NTT domain. */
  const rejNttPoly = (next) => {
    const r = new Int32Array(N);
    for (let j = 0; j < N; ) {
      const b = next();
      for (let i = 0; j < N && i <= b.length - 3; i += 3) {
        const t = (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16)) & 0x7fffff;
        if (t < Q) r[j++] = t;
      }
    }
    return r;
  };

  /** The key-only part of verification; null for a key of the wrong length. */
  const prepare = (publicKey) => {
    if (publicKey.length !== publicKeyBytes) return null;
    const rho = publicKey.subarray(0, 32);
    const tr = shake256(publicKey, { dkLen: TR_BYTES });
    const xof = XOF128(rho);
    // Row i of A holds A[i][0..L), seeded as FIPS 204 Algorithm 32 does (ρ || j || i).
    const a = [];
    for (let i = 0; i < K; i++) {
      const row = [];
      for (let j = 0; j < L; j++) row.push(rejNttPoly(xof.get(j, i)));
      a.push(row);
    }
    xof.clean();
    const t1Shifted = [];
    for (let i = 0; i < K; i++) {
      const t1 = t1Coder.decode(publicKey.subarray(32 + i * T1_BYTES, 32 + (i + 1) * T1_BYTES));
      for (let k = 0; k < N; k++) t1[k] <<= D;
      t1Shifted.push(ntt(t1));
    }
    return { a, tr, t1Shifted };
  };

  const normTooLarge = (poly, bound) => {
    for (let k = 0; k < N; k++) if (Math.abs(smod(poly[k])) >= bound) return true;
    return false;
  };

  /** Algorithm 8 from the second step on, with the prepared key; message is M' (context prefix included). */
  const verifyPrepared = (key, message, signature) => {
    if (signature.length !== signatureBytes) return false;
    const cTilde = signature.subarray(0, C_TILDE_BYTES);
    const zNtt = [];
    for (let j = 0; j < L; j++) {
      const start = C_TILDE_BYTES + j * zCoder.bytesLen;
      const z = zCoder.decode(signature.subarray(start, start + zCoder.bytesLen));
      if (normTooLarge(z, GAMMA1 - BETA)) return false;
      zNtt.push(ntt(z));
    }
    const h = decodeHint(signature.subarray(C_TILDE_BYTES + L * zCoder.bytesLen));
    if (h === null) return false;
    const mu = shake256.create({ dkLen: CRH_BYTES }).update(key.tr).update(message).digest();
    const c = ntt(sampleInBall(cTilde));
    const w1 = new Uint8Array(K * w1Coder.bytesLen);
    const w = new Int32Array(N);
    for (let i = 0; i < K; i++) {
      // w'approx = NTT⁻¹(A·NTT(z) − NTT(c)·NTT(t1·2^d)), row by row.
      rowMinusProduct(w, key.a[i], zNtt, c, key.t1Shifted[i]);
      inverseNtt(w);
      for (let k = 0; k < N; k++) w[k] = useHint(h[i][k], w[k]);
      w1.set(w1Coder.encode(w), i * w1Coder.bytesLen);
    }
    const cTilde2 = shake256.create({ dkLen: C_TILDE_BYTES }).update(mu).update(w1).digest();
    let diff = 0;
    for (let k = 0; k < C_TILDE_BYTES; k++) diff |= cTilde[k] ^ cTilde2[k];
    return diff === 0;
  };

  return { prepare, verifyPrepared };
}

/**
 * out = Σ_j row[j]·z[j] − c·t coefficient-wise, reduced into (−q, q). Every factor is in (−q, q), so
 * each product is below 2^46 and a sum of up to eight (ML-DSA-87) stays exact in a double.
 */
export function rowMinusProduct(out, row, z, c, t) {
  for (let k = 0; k < N; k++) {
    let sum = -c[k] * t[k];
    for (let j = 0; j < row.length; j++) sum += row[j][k] * z[j][k];
    out[k] = sum % Q;
  }
  return out;
}

const SCHEMES = {
  ml_dsa44: scheme(PARAMS.ml_dsa44),
  ml_dsa65: scheme(PARAMS.ml_dsa65),
  ml_dsa87: scheme(PARAMS.ml_dsa87),
};

/** FIPS 204 Algorithm 2's M' for an empty context: 0 (pure signature), 0 (context length), M. */
function withEmptyContext(message) {
  const out = new Uint8Array(message.length + 2);
  out.set(message, 2);
  return out;
}

/** Per typed array or JS array beside its contents (headers, backing store): measured about 100 bytes in V8. */
const OBJECT_OVERHEAD_BYTES = 128;

/**
 * Bytes a cached key holds: K·L + K polynomials of 256 32-bit coefficients, tr, the key string
 * that finds it (one byte per key byte), and object overheads, so the budget is the memory used.
 */
const entryBytes = (key, idLength) => {
  const polynomials = key.a.length * key.a[0].length + key.t1Shifted.length;
  return polynomials * (N * 4 + OBJECT_OVERHEAD_BYTES) + TR_BYTES + idLength + (key.a.length + 4) * OBJECT_OVERHEAD_BYTES;
};

/**
 * Prepared public keys within a byte budget (about 25 KB per ML-DSA-44 key, 75 KB per ML-DSA-87
 * key), least recently used evicted first. Keys are looked up by their bytes (a latin1 string of
 * the whole key), so two keys never share an entry. A budget of 0 prepares every key afresh.
 */
export class PreparedKeyCache {
  constructor(budgetBytes) {
    if (!Number.isSafeInteger(budgetBytes) || budgetBytes < 0) throw new RangeError(`budgetBytes must be a non-negative integer, got ${budgetBytes}`);
    this.budgetBytes = budgetBytes;
    // lru-cache refuses a maxSize of 0: no cache at all then. An entry larger than the budget is not kept.
    this.entries = budgetBytes === 0 ? null : new LRUCache({ maxSize: budgetBytes, sizeCalculation: (key, id) => entryBytes(key, id.length) });
    this.hits = 0;
    this.misses = 0;
  }

  get size() {
    return this.entries?.size ?? 0;
  }

  /** Bytes the cached keys hold now. */
  get bytes() {
    return this.entries?.calculatedSize ?? 0;
  }

  /** The prepared key, or null when the key cannot be an ML-DSA key of that size. */
  get(algorithm, publicKey) {
    const s = Object.hasOwn(SCHEMES, algorithm) ? SCHEMES[algorithm] : undefined;
    if (s === undefined) return null;
    const id = this.entries === null ? '' : algorithm + Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
    const found = this.entries?.get(id);
    if (found !== undefined) {
      this.hits++;
      return found;
    }
    this.misses++;
    const prepared = s.prepare(publicKey);
    if (prepared !== null) this.entries?.set(id, prepared);
    return prepared;
  }
}

/**
 * The verdict of ml_dsa*.verify(signature, message, publicKey) with an empty context: false, never
 * an exception, for an unknown algorithm or malformed lengths.
 */
export function verifyWithCache(cache, algorithm, publicKey, message, signature) {
  const key = cache.get(algorithm, publicKey);
  if (key === null) return false;
  return SCHEMES[algorithm].verifyPrepared(key, withEmptyContext(message), signature);
}
