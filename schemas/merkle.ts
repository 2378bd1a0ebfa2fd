/**
 * Binary SHA-256 Merkle tree, shared by the transaction root and the state root,
 * and small enough for a dApp to run the verifier in a browser (@noble/hashes only).
 *
 * Each leaf is a 32-byte item hash (a transaction hash, a state entry hash) and is
 * hashed into the tree with a domain tag so a leaf can never pass for an inner node:
 *   leaf  = sha256(0x00 || item)
 *   node  = sha256(0x01 || left || right)
 *   empty = sha256(0x02)            root of an empty list: tagged so it is neither a leaf nor a node
 * An odd node at the end of a level is promoted to the next level unchanged, never
 * duplicated (duplication lets two different lists share a root).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import type { MerkleProof } from './transaction.ts';

const LEAF_TAG = Uint8Array.of(0x00);
const NODE_TAG = Uint8Array.of(0x01);
const EMPTY_TAG = Uint8Array.of(0x02);

/** Bounds a proof so a hostile one cannot make the verifier loop: 2^64 leaves is far beyond any block or state. */
const PROOF_DEPTH_MAX = 64;

const HASH32 = /^[0-9a-f]{64}$/;

export const EMPTY_ROOT = bytesToHex(sha256(EMPTY_TAG));

export const hashLeaf = (item: Uint8Array): Uint8Array => sha256(concatBytes(LEAF_TAG, item));
export const hashNode = (left: Uint8Array, right: Uint8Array): Uint8Array => sha256(concatBytes(NODE_TAG, left, right));

function toItemBytes(leafHashes: readonly string[]): Uint8Array[] {
  return leafHashes.map((h, i) => {
    if (!HASH32.test(h)) throw new TypeError(`leaf ${i} is not a 32-byte lower-case hex hash`);
    return hexToBytes(h);
  });
}

/** One level up: pairs hashed, an odd last node promoted as is. */
function nextLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = [];
  for (let i = 0; i + 1 < level.length; i += 2) up.push(hashNode(level[i]!, level[i + 1]!));
  if (level.length % 2 === 1) up.push(level[level.length - 1]!);
  return up;
}

/** Root over 32-byte hex item hashes, in the given order. */
export function merkleRoot(leafHashes: readonly string[]): string {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  let level = toItemBytes(leafHashes).map(hashLeaf);
  while (level.length > 1) level = nextLevel(level);
  return bytesToHex(level[0]!);
}

/** Inclusion proof of `leafHashes[index]`; `proof.leaf` is the item hash itself (e.g. the transaction hash). */
export function merkleProof(leafHashes: readonly string[], index: number): MerkleProof {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new RangeError(`leaf index ${index} outside a tree of ${leafHashes.length} leaves`);
  }
  let level = toItemBytes(leafHashes).map(hashLeaf);
  let position = index;
  const siblings: MerkleProof['siblings'] = [];
  while (level.length > 1) {
    const isRight = position % 2 === 1;
    const siblingPosition = isRight ? position - 1 : position + 1;
    // A promoted node has no sibling at this level: no step is recorded.
    if (siblingPosition < level.length) {
      siblings.push({ hash: bytesToHex(level[siblingPosition]!), side: isRight ? 'left' : 'right' });
    }
    level = nextLevel(level);
    position = Math.floor(position / 2);
  }
  return { leaf: leafHashes[index]!, index, siblings, root: bytesToHex(level[0]!) };
}

/** True when `proof.leaf` hashes up to `proof.root`; malformed proofs are false, never an exception. */
export function verifyMerkleProof(proof: MerkleProof): boolean {
  if (!HASH32.test(proof.leaf) || !HASH32.test(proof.root)) return false;
  if (proof.siblings.length > PROOF_DEPTH_MAX) return false;
  let current = hashLeaf(hexToBytes(proof.leaf));
  for (const step of proof.siblings) {
    if (!HASH32.test(step.hash)) return false;
    const sibling = hexToBytes(step.hash);
    if (step.side === 'left') current = hashNode(sibling, current);
    else if (step.side === 'right') current = hashNode(current, sibling);
    else return false;
  }
  return bytesToHex(current) === proof.root;
}
