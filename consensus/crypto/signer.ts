/**
 * The node's ML-DSA key: one signature per block, over the 32 bytes of the block hash
 * (never per transaction: signing costs milliseconds).
 * @noble/post-quantum 0.7 argument order: sign(msg, secretKey), verify(sig, msg, publicKey).
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { SignatureAlgorithm, ValidatorIdentity } from '../../schemas/index.ts';

export const KEY_SEED_BYTES = 32;
const BLOCK_HASH_BYTES = 32;
const HEX = /^(?:[0-9a-f]{2})*$/;

const ALGORITHMS = { ml_dsa44, ml_dsa65, ml_dsa87 } as const;

export interface NodeSigner {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKeyHex: string;
  /** Hex SHA-256 of the public key. */
  readonly nodeId: string;
  readonly identity: ValidatorIdentity;
  /** Hex signature over the 32 bytes of `blockHashHex`. */
  signBlockHash(blockHashHex: string): string;
}

export const nodeIdOf = (publicKey: Uint8Array): string => bytesToHex(sha256(publicKey));

/** Deterministic key from a 32-byte seed: the same seed is the same node across restarts. */
export function createSigner(algorithm: SignatureAlgorithm, seed: Uint8Array): NodeSigner {
  if (seed.length !== KEY_SEED_BYTES) throw new RangeError(`key seed must be ${KEY_SEED_BYTES} bytes, got ${seed.length}`);
  const dsa = ALGORITHMS[algorithm];
  const { secretKey, publicKey } = dsa.keygen(seed);
  const publicKeyHex = bytesToHex(publicKey);
  const nodeId = nodeIdOf(publicKey);
  return {
    algorithm,
    publicKeyHex,
    nodeId,
    identity: { nodeId, algorithm, publicKey: publicKeyHex },
    signBlockHash(blockHashHex) {
      return bytesToHex(dsa.sign(blockHashBytes(blockHashHex), secretKey));
    },
  };
}

/** False for any malformed input: verification is what a dApp runs on data it does not trust. */
export function verifyBlockHashSignature(
  algorithm: SignatureAlgorithm,
  publicKeyHex: string,
  blockHashHex: string,
  signatureHex: string,
): boolean {
  const dsa = ALGORITHMS[algorithm];
  if (dsa === undefined || !HEX.test(publicKeyHex) || !HEX.test(signatureHex) || !/^[0-9a-f]{64}$/.test(blockHashHex)) return false;
  try {
    return dsa.verify(hexToBytes(signatureHex), hexToBytes(blockHashHex), hexToBytes(publicKeyHex));
  } catch {
    // Wrong key or signature lengths throw in noble; to a verifier they are simply invalid.
    return false;
  }
}

function blockHashBytes(blockHashHex: string): Uint8Array {
  const bytes = hexToBytes(blockHashHex);
  if (bytes.length !== BLOCK_HASH_BYTES) throw new RangeError('a block hash is 32 bytes');
  return bytes;
}
