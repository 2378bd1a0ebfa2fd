import type { Block, ValidatorIdentity } from '../../schemas/index.ts';
import { merkleRoot } from '../crypto/merkle.ts';
import { verifyBlockHashSignature } from '../crypto/signer.ts';
import { blockHashOf } from './hashing.ts';

/**
 * What anyone can check of a block without the state: its hash is its header's,
 * its txRoot covers its txHashes, and every signature is a known validator's and valid.
 */
export function verifyBlock(block: Block, validators: readonly ValidatorIdentity[]): boolean {
  if (blockHashOf(block.header) !== block.hash) return false;
  if (block.header.txCount !== block.txHashes.length || merkleRoot(block.txHashes) !== block.header.txRoot) return false;
  if (block.signatures.length === 0) return false;
  return block.signatures.every((s) => {
    const validator = validators.find((v) => v.nodeId === s.signer);
    return (
      validator !== undefined &&
      validator.algorithm === s.algorithm &&
      verifyBlockHashSignature(s.algorithm, validator.publicKey, block.hash, s.signature)
    );
  });
}
