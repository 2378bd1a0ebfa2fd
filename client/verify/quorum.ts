import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import type { ValidatorSet } from './validators.ts';

/** A block signature as the API returns it; any key it carries is ignored in favour of the pinned one. */
export interface SignatureClaim {
  signer: string;
  algorithm: string;
  signature: string;
}

export interface Quorum {
  /** Valid signatures of a majority of the pinned validators. */
  final: boolean;
  /** Pinned validators whose signature over the block hash verified, in the order they appeared. */
  signers: string[];
  required: number;
  /** Signatures that named a pinned validator but did not verify (wrong key, hash or algorithm). */
  invalid: string[];
}

const DSA = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;
const HASH32 = /^[0-9a-f]{64}$/;
const HEX_BYTES = /^(?:[0-9a-f]{2})+$/;
/** More signatures than this on one block is an attempt to make the verifier work, not a block. */
const SIGNATURES_MAX = 1_024;

/**
 * Counts the pinned validators whose ML-DSA signature over the 32 bytes of `blockHash` verifies with
 * the key the dApp pinned, never a key the answer supplies. A signer counts once; signatures of
 * nodes outside the set are ignored. Costs one ML-DSA verification per pinned signer (milliseconds).
 */
export function verifyQuorum(blockHash: string, signatures: readonly SignatureClaim[], set: ValidatorSet): Quorum {
  const signers: string[] = [];
  const invalid: string[] = [];
  if (HASH32.test(blockHash) && signatures.length <= SIGNATURES_MAX) {
    const message = hexToBytes(blockHash);
    for (const claim of signatures) {
      const validator = set.validators.get(claim.signer);
      if (validator === undefined || signers.includes(claim.signer)) continue;
      if (claim.algorithm === validator.algorithm && verifies(validator.algorithm, claim.signature, message, validator.publicKey)) signers.push(claim.signer);
      else invalid.push(claim.signer);
    }
  }
  return { final: signers.length >= set.required, signers, required: set.required, invalid };
}

function verifies(algorithm: keyof typeof DSA, signatureHex: string, message: Uint8Array, publicKeyHex: string): boolean {
  if (!HEX_BYTES.test(signatureHex)) return false;
  try {
    return DSA[algorithm].verify(hexToBytes(signatureHex), message, hexToBytes(publicKeyHex));
  } catch {
    // noble throws on a signature of the wrong length: to a verifier that is simply not valid.
    return false;
  }
}
