/** Types of ml-dsa-prepared.mjs (plain JavaScript for the verify threads). */
import type { SignatureAlgorithm } from '../../schemas/index.ts';

/** A public key's share of verification, done once: opaque to callers. */
export interface PreparedKey {
  readonly a: readonly Int32Array[];
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

/** The verdict of ml_dsa*.verify(signature, message, publicKey) with an empty context; false for malformed input. */
export declare function verifyWithCache(
  cache: PreparedKeyCache,
  algorithm: SignatureAlgorithm,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean;
