import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { SignatureAlgorithm } from '../../schemas/block.ts';
// Validator keys are ML-DSA keys as account keys are: one table of FIPS 204 key sizes (a key of another
// size cannot be one). That module uses @noble only, no zod and no node: module.
import { ACCOUNT_PUBLIC_KEY_BYTES } from '../../schemas/transaction-signing.ts';

/** A validator as a dApp pins it: its node id is the hex SHA-256 of its public key. */
export interface KnownValidator {
  nodeId: string;
  algorithm: SignatureAlgorithm;
  publicKey: string;
}

/** The validators a dApp trusts, and how many of their signatures make a block final. */
export interface ValidatorSet {
  readonly validators: ReadonlyMap<string, KnownValidator>;
  /** A majority of the set: floor(n / 2) + 1. */
  readonly required: number;
  /** When pinned, blocks of any other chain are refused even if these keys signed them (keys reused across networks). */
  readonly chainId?: string;
}

/** A set this large is a mistake, not a network: bounds the work of one verification. */
export const VALIDATORS_MAX = 256;
const HEX_BYTES = /^(?:[0-9a-f]{2})+$/;

/** Raised when a pinned validator list is not usable; a dApp's configuration error, not the network's. */
export class ValidatorSetError extends Error {
  override readonly name = 'ValidatorSetError';
}

/**
 * Checks and freezes a validator list: every key is an ML-DSA key of its algorithm's size and hashes
 * to its node id (so a list cannot pair a trusted id with another key), and no node is listed twice.
 */
export function validatorSet(list: readonly KnownValidator[], options: { chainId?: string } = {}): ValidatorSet {
  if (list.length === 0) throw new ValidatorSetError('a validator set needs at least one validator');
  if (list.length > VALIDATORS_MAX) throw new ValidatorSetError(`a validator set holds at most ${VALIDATORS_MAX} validators, got ${list.length}`);
  const validators = new Map<string, KnownValidator>();
  for (const v of list) {
    const size = ACCOUNT_PUBLIC_KEY_BYTES[v.algorithm];
    if (size === undefined) throw new ValidatorSetError(`validator ${v.nodeId}: unknown algorithm ${String(v.algorithm)}`);
    if (!HEX_BYTES.test(v.publicKey) || v.publicKey.length !== size * 2) {
      throw new ValidatorSetError(`validator ${v.nodeId}: the public key is not a ${size}-byte ${v.algorithm} key in lower-case hex`);
    }
    if (bytesToHex(sha256(hexToBytes(v.publicKey))) !== v.nodeId) {
      throw new ValidatorSetError(`validator ${v.nodeId}: the node id is not the SHA-256 of its public key`);
    }
    if (validators.has(v.nodeId)) throw new ValidatorSetError(`validator ${v.nodeId} is listed twice`);
    validators.set(v.nodeId, { nodeId: v.nodeId, algorithm: v.algorithm, publicKey: v.publicKey });
  }
  return { validators, required: Math.floor(validators.size / 2) + 1, ...(options.chainId === undefined ? {} : { chainId: options.chainId }) };
}
