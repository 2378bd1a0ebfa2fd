import { createSigner, type NodeSigner } from '../../consensus/crypto/signer.ts';
import { blockHashOf, txHashOf } from '../../consensus/chain/hashing.ts';
import { merkleProof, merkleRoot } from '../../schemas/merkle.ts';
import type { Attestation, BlockHeader, ChannelEvent, Transaction, TransactionReceipt } from '../../schemas/index.ts';
import { attest, weatherEvent } from '../consensus/fixtures.ts';

/** Three validators with fixed keys (ML-DSA-44: the fastest; the verifier treats every set alike). */
export const validators: NodeSigner[] = [1, 2, 3].map((seed) => createSigner('ml_dsa44', new Uint8Array(32).fill(seed)));
/** A key outside the pinned set. */
export const outsider = createSigner('ml_dsa44', new Uint8Array(32).fill(9));
export const pinned = validators.map((v) => v.identity);

export const events: ChannelEvent[] = [1, 2, 3].map((n) => weatherEvent({ id: `evt-${n}`, value: 20 + n, observedAt: `2026-01-01T12:0${n}:00.000Z` }));
export const transactions: Transaction[] = events.map(attest);

/** A block of the three attest transactions at height 7, signed by `signers`. */
export function signedBlock(signers: readonly NodeSigner[] = validators) {
  const txHashes = transactions.map(txHashOf);
  const header: BlockHeader = {
    chainId: 'test-chain',
    height: 7,
    prevHash: 'ab'.repeat(32),
    txRoot: merkleRoot(txHashes),
    stateRoot: 'cd'.repeat(32),
    proposer: validators[0]!.nodeId,
    timestamp: '2026-01-01T12:05:00.000Z',
    txCount: txHashes.length,
  };
  const hash = blockHashOf(header);
  const signatures = signers.map((s) => ({ signer: s.nodeId, algorithm: s.algorithm, signature: s.signBlockHash(hash) }));
  return { hash, header, signatures, txHashes };
}

/** What GET /transaction/:hash answers for transaction `index` of the block. */
export function committedReceipt(index = 1, block = signedBlock()): TransactionReceipt {
  return { hash: block.txHashes[index]!, status: 'committed', transaction: transactions[index]!, height: 7, index, block, proof: merkleProof(block.txHashes, index) };
}

/** What GET /query/attestations/:feedId/latest answers for event `index` of the block. */
export function attestation(index = 2, block = signedBlock()): Attestation {
  const event = events[index]!;
  return {
    feedId: event.feedId,
    assetId: event.assetId,
    value: event.observation.value,
    unit: event.observation.unit,
    observedAt: event.observation.observedAt,
    event,
    txHash: block.txHashes[index]!,
    height: 7,
    block,
    proof: merkleProof(block.txHashes, index),
    validators: pinned,
  };
}
