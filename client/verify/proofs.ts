import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { BlockHeader } from '../../schemas/block.ts';
import type { ChannelEvent } from '../../schemas/channel.ts';
import { verifyMerkleProof } from '../../schemas/merkle.ts';
import type { MerkleProof, Transaction } from '../../schemas/transaction.ts';
import { canonicalJson } from '../../schemas/canonical-json.ts';
import { verifyQuorum, type Quorum, type SignatureClaim } from './quorum.ts';
import type { ValidatorSet } from './validators.ts';

/** Why an answer does not verify; stable codes, so a dApp can branch on them. */
export type VerificationFault =
  /** The transaction is not (yet) in a block: nothing to verify. */
  | 'NOT_COMMITTED'
  /** The transaction (or attested event) does not hash to the hash the answer names, or the answer is about another transaction than the one asked for. */
  | 'TX_HASH_MISMATCH'
  /** The attestation is of another feed than the one asked for. */
  | 'FEED_MISMATCH'
  /** The block is at another height than the one asked for. */
  | 'HEIGHT_MISMATCH'
  /** The attested value, feed or time shown is not the one in the attested event. */
  | 'VALUE_MISMATCH'
  /** The proof is about another item, or its root is not the block's transaction root. */
  | 'PROOF_MISMATCH'
  /** The proof's path does not hash up to its root. */
  | 'PROOF_INVALID'
  /** The block's hash is not its header's, or the height is not the block's. */
  | 'BLOCK_HASH_MISMATCH'
  /** The block is of another chain than the one the validator set was pinned for. */
  | 'CHAIN_MISMATCH'
  /** Fewer than a majority of the pinned validators signed the block hash. */
  | 'QUORUM_NOT_REACHED';

export type VerificationFailure = { ok: false; fault: VerificationFault; message: string; quorum?: Quorum };
/** A block's verification: its place and hash, and who signed it. */
export type BlockVerification = { ok: true; height: number; blockHash: string; quorum: Quorum } | VerificationFailure;
/** A transaction's (or attestation's) verification: the block's, and the transaction it proves. */
export type Verification = { ok: true; height: number; blockHash: string; txHash: string; quorum: Quorum } | VerificationFailure;

/** The part of a block the verifier reads. */
export interface BlockClaim {
  hash: string;
  header: BlockHeader;
  signatures: readonly SignatureClaim[];
}

/** What GET /transaction/:hash answers, as far as verification reads it. */
export interface TransactionReceiptClaim {
  hash: string;
  status: string;
  transaction: Transaction;
  height: number | null;
  block: BlockClaim | null;
  proof: MerkleProof | null;
}

/** What GET /query/attestations/:feedId/latest answers, as far as verification reads it. */
export interface AttestationClaim {
  feedId: string;
  assetId: string;
  value: number;
  unit: string;
  observedAt: string;
  event: ChannelEvent;
  txHash: string;
  height: number;
  block: BlockClaim;
  proof: MerkleProof;
}

const sha256Hex = (text: string): string => bytesToHex(sha256(utf8ToBytes(text)));

/** A transaction's hash as every node derives it: SHA-256 of its canonical JSON. */
export const transactionHash = (tx: Transaction): string => sha256Hex(canonicalJson(tx));

/** A block's hash as every node derives it (and validators sign): SHA-256 of its header's canonical JSON. */
export const blockHash = (header: BlockHeader): string => sha256Hex(canonicalJson(header));

const fail = (fault: VerificationFault, message: string, quorum?: Quorum): VerificationFailure => ({ ok: false, fault, message, ...(quorum === undefined ? {} : { quorum }) });

/**
 * That a block is the one asked for (at `height`), the one the validators signed (its hash is its
 * header's), of the pinned chain, and signed by a majority of the pinned validators. What a dApp
 * checks of GET /consensus/blocks/:height; a genuine block of another height is refused.
 */
export function verifyBlock(block: BlockClaim, set: ValidatorSet, height: number): BlockVerification {
  if (block.header.height !== height) return fail('HEIGHT_MISMATCH', `the block is at height ${block.header.height}, not at the height ${height} asked for`);
  const hash = blockHash(block.header);
  if (hash !== block.hash) return fail('BLOCK_HASH_MISMATCH', `the block's header hashes to ${hash}, not to the hash ${block.hash} it names`);
  if (set.chainId !== undefined && block.header.chainId !== set.chainId) return fail('CHAIN_MISMATCH', `the block is of chain ${block.header.chainId}, not of ${set.chainId}`);
  const quorum = verifyQuorum(hash, block.signatures, set);
  if (!quorum.final) {
    return fail('QUORUM_NOT_REACHED', `${quorum.signers.length} of the ${set.validators.size} pinned validators signed the block; ${quorum.required} are needed`, quorum);
  }
  return { ok: true, height: block.header.height, blockHash: hash, quorum };
}

/**
 * That `txHash` is in `block` (the proof hashes up to the header's transaction root), and that the
 * block verifies (verifyBlock). Checks run cheapest first; the signatures (milliseconds each) last.
 */
export function verifyInclusion(txHash: string, height: number, proof: MerkleProof, block: BlockClaim, set: ValidatorSet): Verification {
  if (proof.leaf !== txHash) return fail('PROOF_MISMATCH', `the proof is for ${proof.leaf}, not for transaction ${txHash}`);
  if (proof.root !== block.header.txRoot) return fail('PROOF_MISMATCH', `the proof's root ${proof.root} is not the block's transaction root ${block.header.txRoot}`);
  if (!verifyMerkleProof(proof)) return fail('PROOF_INVALID', `the proof's path does not hash up to ${proof.root}`);
  if (block.header.height !== height) return fail('BLOCK_HASH_MISMATCH', `the block is at height ${block.header.height}, not at ${height}`);
  const ofBlock = verifyBlock(block, set, height);
  return ofBlock.ok ? { ...ofBlock, txHash } : ofBlock;
}

/**
 * Verifies a transaction receipt: the transaction is the one asked for (`txHash`, as the dApp knows
 * it, never as the answer names it), in a block final under the pinned set.
 */
export function verifyTransactionReceipt(receipt: TransactionReceiptClaim, set: ValidatorSet, expectedTxHash: string): Verification {
  const txHash = transactionHash(receipt.transaction);
  if (txHash !== receipt.hash) return fail('TX_HASH_MISMATCH', `the transaction hashes to ${txHash}, not to ${receipt.hash}`);
  // Hex is case-insensitive as typed; hashes are derived in lower case.
  if (txHash !== expectedTxHash.toLowerCase()) return fail('TX_HASH_MISMATCH', `the answer is about transaction ${txHash}, not the ${expectedTxHash} asked for`);
  if (receipt.status !== 'committed' || receipt.block === null || receipt.proof === null || receipt.height === null) {
    return fail('NOT_COMMITTED', `transaction ${receipt.hash} is ${receipt.status}, not in a block yet`);
  }
  return verifyInclusion(txHash, receipt.height, receipt.proof, receipt.block, set);
}

/**
 * Verifies an attested value: it is of the feed asked for (`feedId`), the value, unit, time, feed and
 * asset shown are those of the attested event, the event's attest transaction is in the block, and
 * the block is final under the pinned set.
 */
export function verifyAttestation(attestation: AttestationClaim, set: ValidatorSet, expectedFeedId: string): Verification {
  const { event } = attestation;
  // The event's feed, not the feed shown: VALUE_MISMATCH below catches a shown feed that is not the event's.
  if (event.feedId !== expectedFeedId) return fail('FEED_MISMATCH', `the attestation is of feed ${event.feedId}, not of the ${expectedFeedId} asked for`);
  const shown = { feedId: attestation.feedId, assetId: attestation.assetId, value: attestation.value, unit: attestation.unit, observedAt: attestation.observedAt };
  const attested = { feedId: event.feedId, assetId: event.assetId, value: event.observation.value, unit: event.observation.unit, observedAt: event.observation.observedAt };
  if (canonicalJson(shown) !== canonicalJson(attested)) return fail('VALUE_MISMATCH', `the value shown ${canonicalJson(shown)} is not the attested ${canonicalJson(attested)}`);
  const txHash = transactionHash({ type: 'attest', event });
  if (txHash !== attestation.txHash) return fail('TX_HASH_MISMATCH', `the attested event hashes to ${txHash}, not to ${attestation.txHash}`);
  return verifyInclusion(txHash, attestation.height, attestation.proof, attestation.block, set);
}
