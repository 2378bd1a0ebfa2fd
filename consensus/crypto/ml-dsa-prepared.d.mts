/** Types of ml-dsa-prepared.mjs (plain JavaScript for the verify threads). */
import type { SignatureAlgorithm } from '../../schemas/index.ts';

/** A public key's share of verification, done once: opaque to callers. */
export interface PreparedKey {
  /** A in the NTT domain, by row: a[i][j] = A[i][j]. */
  readonly a: readonly (readonly Int32Array[])[];
  readonly t1Shifted: readonly Int32Array[];
  readonly tr: Uint8Array;
}

/** Prepared keys within a byte budget, least recently used evicted first; 0 prepares every key afresh. */
export declare class PreparedKeyCache {
  constructor(budgetBytes: number);
  readonly budgetBytes: number;
  /** Bytes the cached keys hold now. */
  readonly bytes: number;
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
  /** The prepared key, or null when the key cannot be an ML-DSA key of that size. */
  get(algorithm: SignatureAlgorithm, publicKey: Uint8Array): PreparedKey | null;
}

/** out = Σ_j row[j]·z[j] − c·t coefficient-wise, reduced into (−q, q); every factor in (−q, q). */
export declare function rowMinusProduct(out: Int32Array, row: readonly Int32Array[], z: readonly Int32Array[], c: Int32Array, t: Int32Array): Int32Array;

/** The verdict of ml_dsa*.verify(signature, message, publicKey) with an empty context; false for malformed input. */
export declare function verifyWithCache(
  cache: PreparedKeyCache,
  algorithm: SignatureAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean;
