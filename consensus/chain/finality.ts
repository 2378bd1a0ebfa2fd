import type { BlockFinality } from '../../schemas/index.ts';
import type { NodeId } from '../raft/index.ts';
import { checkBlockSignature, type BlockSignatureChecker, type MaybeKeyedSignature } from './cosign.ts';

/** Signatures a block needs to be final: a majority of the voters. */
export const finalityQuorum = (voterCount: number): number => Math.floor(voterCount / 2) + 1;

/**
 * A block is final once valid signatures over its hash from a majority of the voters are known.
 * Learners and unknown nodes never count, a signer counts once however often it appears, and a
 * signature without a known key, over another hash, or with a key that is not its signer's does
 * not count. Pure; costs one ML-DSA verification per voter signature (milliseconds each) unless
 * `check` remembers answers (memoizedSignatureChecker).
 */
export function finalityOf(
  blockHash: string,
  signatures: readonly MaybeKeyedSignature[],
  voters: readonly NodeId[],
  check: BlockSignatureChecker = checkBlockSignature,
): BlockFinality {
  const voterSet = new Set(voters);
  const valid = new Set<NodeId>();
  for (const s of signatures) {
    if (!voterSet.has(s.signer) || valid.has(s.signer) || s.publicKey === undefined) continue;
    if (check(blockHash, { ...s, publicKey: s.publicKey }).ok) valid.add(s.signer);
  }
  // Voter-set order, so every node reports the same list for the same signatures.
  const signers = [...voterSet].filter((v) => valid.has(v));
  const required = finalityQuorum(voterSet.size);
  return { final: signers.length >= required, signers, required };
}
