/**
 * Co-signatures: after a validator applies a committed batch it signs the block hash it computed
 * itself and sends that signature to the other members. Each carries the signer's public key, so a
 * receiver checks it without asking anyone: the key must hash to the sender's node id (the id pins
 * the key), and the ML-DSA signature must verify over the block hash.
 */
import { createHash } from 'node:crypto';
import { hexToBytes } from '@noble/hashes/utils.js';
import { LRUCache } from 'lru-cache';
import { SignatureAlgorithm, type BlockSignature, type KeyedBlockSignature } from '../../schemas/index.ts';
import { nodeIdOf, verifyBlockHashSignature, type NodeSigner } from '../crypto/signer.ts';
import type { NodeId } from '../raft/index.ts';
import type { CoSignature } from '../transport/types.ts';

const HEX_BYTES = /^(?:[0-9a-f]{2})+$/;
const HASH_HEX = /^[0-9a-f]{64}$/;

/** Why a signature does not count; stable codes, so callers log and count them without parsing text. */
export type CoSignatureFault =
  /** Not an algorithm this network signs with. */
  | 'ALGORITHM_UNKNOWN'
  /** The public key is not hex, or does not hash to the claimed signer id. */
  | 'KEY_MISMATCH'
  /** The signature is not over this hash with this key. */
  | 'SIGNATURE_INVALID';

export type CoSignatureCheck = { ok: true } | { ok: false; fault: CoSignatureFault };

/** Checks one signature over a block hash: checkBlockSignature, or a memo of it. */
export type BlockSignatureChecker = (blockHash: string, signature: KeyedBlockSignature) => CoSignatureCheck;

/** This node's signature over a block hash, with its key: what it stores and sends as a co-signature. */
export function signBlockHash(signer: NodeSigner, blockHash: string): KeyedBlockSignature {
  return { signer: signer.nodeId, algorithm: signer.algorithm, publicKey: signer.publicKeyHex, signature: signer.signBlockHash(blockHash) };
}

/**
 * One message per peer: the same signature, addressed to each. `from` and the peers are Raft member
 * ids; the signer's node id travels as its public key.
 */
export function coSignatureMessages(
  signature: KeyedBlockSignature,
  block: { height: number; hash: string },
  from: NodeId,
  peers: readonly NodeId[],
): CoSignature[] {
  return peers.map((to) => ({
    type: 'cosign',
    from,
    to,
    height: block.height,
    hash: block.hash,
    algorithm: signature.algorithm,
    publicKey: signature.publicKey,
    signature: signature.signature,
  }));
}

/**
 * Checks a signature over `blockHash`. Every malformed field is a fault, never an exception:
 * co-signatures come from the network.
 */
export function checkBlockSignature(blockHash: string, signature: KeyedBlockSignature): CoSignatureCheck {
  const algorithm = SignatureAlgorithm.safeParse(signature.algorithm);
  if (!algorithm.success) return { ok: false, fault: 'ALGORITHM_UNKNOWN' };
  if (!HEX_BYTES.test(signature.publicKey) || nodeIdOf(hexToBytes(signature.publicKey)) !== signature.signer) {
    return { ok: false, fault: 'KEY_MISMATCH' };
  }
  if (!HASH_HEX.test(blockHash) || !verifyBlockHashSignature(algorithm.data, signature.publicKey, blockHash, signature.signature)) {
    return { ok: false, fault: 'SIGNATURE_INVALID' };
  }
  return { ok: true };
}

/**
 * checkBlockSignature with a bounded memo of its answers. An ML-DSA verification costs milliseconds
 * of CPU and a block is read again and again with the same few signatures, so a public read of a
 * block must not pay it each time. Keyed by a digest of everything checked, so a different
 * signature, key or hash is always verified afresh.
 */
export function memoizedSignatureChecker(entriesMax: number): BlockSignatureChecker {
  const answers = new LRUCache<string, CoSignatureCheck>({ max: entriesMax });
  return (blockHash, signature) => {
    // node:crypto: the key digests ~14 KB of hex per ML-DSA-87 signature, on every read of a block.
    const key = createHash('sha256').update(`${blockHash}|${signature.signer}|${signature.algorithm}|${signature.publicKey}|${signature.signature}`).digest('base64');
    const known = answers.get(key);
    if (known !== undefined) return known;
    const answer = checkBlockSignature(blockHash, signature);
    answers.set(key, answer);
    return answer;
  };
}

/**
 * A received co-signature as the signature it carries, when it is valid over the hash it names.
 * The signer is the node id its key hashes to; `pinnedSigner`, the signer id this sender used
 * before (if any), must be that id, so a member cannot switch keys. Whether the hash is the block
 * this node stored at that height is for storage to say (ConsensusRepository.addBlockSignatures).
 */
export function acceptCoSignature(
  message: CoSignature,
  pinnedSigner?: string,
): { ok: true; signature: KeyedBlockSignature } | { ok: false; fault: CoSignatureFault } {
  const algorithm = SignatureAlgorithm.safeParse(message.algorithm);
  if (!algorithm.success) return { ok: false, fault: 'ALGORITHM_UNKNOWN' };
  if (!HEX_BYTES.test(message.publicKey)) return { ok: false, fault: 'KEY_MISMATCH' };
  const signer = nodeIdOf(hexToBytes(message.publicKey));
  if (pinnedSigner !== undefined && pinnedSigner !== signer) return { ok: false, fault: 'KEY_MISMATCH' };
  const signature: KeyedBlockSignature = { signer, algorithm: algorithm.data, publicKey: message.publicKey, signature: message.signature };
  const check = checkBlockSignature(message.hash, signature);
  return check.ok ? { ok: true, signature } : check;
}

/**
 * Every signature known for a block, one per signer: the co-signatures (they carry their keys), then
 * the block's own signatures of signers not among them, with keys looked up among the members
 * (a block does not carry keys; without one such a signature is shown but cannot count).
 */
export function knownSignatures(
  embedded: readonly BlockSignature[],
  coSignatures: readonly KeyedBlockSignature[],
  keyOf: (nodeId: string) => string | undefined,
): MaybeKeyedSignature[] {
  const bySigner = new Map<string, MaybeKeyedSignature>();
  for (const s of coSignatures) if (!bySigner.has(s.signer)) bySigner.set(s.signer, s);
  for (const s of embedded) {
    if (bySigner.has(s.signer)) continue;
    const publicKey = keyOf(s.signer);
    bySigner.set(s.signer, publicKey === undefined ? s : { ...s, publicKey });
  }
  return [...bySigner.values()];
}

/** A signature whose signer's key may or may not be known. */
export type MaybeKeyedSignature = BlockSignature & { publicKey?: string };
