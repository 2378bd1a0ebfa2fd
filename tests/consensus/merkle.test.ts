import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, merkleProof, merkleRoot, verifyMerkleProof } from '../../consensus/crypto/merkle.ts';
import { sha256Hex } from '../../runtime/hash.ts';

const items = (n: number): string[] => Array.from({ length: n }, (_, i) => sha256Hex(`item-${i}`));
const leaf = (item: string) => sha256(concatBytes(Uint8Array.of(0), hexToBytes(item)));
const node = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(Uint8Array.of(1), l, r));

describe('merkle tree', () => {
  it('gives the empty list the tagged hash sha256(0x02)', () => {
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
    expect(EMPTY_ROOT).toBe(bytesToHex(sha256(Uint8Array.of(2))));
  });

  it('hashes a single leaf with the leaf tag', () => {
    const [a] = items(1);
    expect(merkleRoot([a!])).toBe(bytesToHex(leaf(a!)));
  });

  it('promotes an odd last node unchanged instead of duplicating it', () => {
    const [a, b, c] = items(3) as [string, string, string];
    expect(merkleRoot([a, b, c])).toBe(bytesToHex(node(node(leaf(a), leaf(b)), leaf(c))));
    expect(merkleRoot([a, b, c])).not.toBe(merkleRoot([a, b, c, c]));
  });

  it('depends on the order of the leaves', () => {
    const [a, b] = items(2) as [string, string];
    expect(merkleRoot([a, b])).not.toBe(merkleRoot([b, a]));
  });

  for (let size = 1; size <= 9; size++) {
    it(`proves every leaf of a tree of ${size}`, () => {
      const leaves = items(size);
      const root = merkleRoot(leaves);
      leaves.forEach((item, index) => {
        const proof = merkleProof(leaves, index);
        expect(proof).toMatchObject({ leaf: item, index, root });
        expect(verifyMerkleProof(proof)).toBe(true);
      });
    });
  }

  it('rejects a proof whose leaf, sibling, side or root was changed', () => {
    const leaves = items(7);
    const proof = merkleProof(leaves, 4);
    const [first, ...rest] = proof.siblings;
    expect(verifyMerkleProof({ ...proof, leaf: leaves[3]! })).toBe(false);
    expect(verifyMerkleProof({ ...proof, siblings: [{ ...first!, hash: sha256Hex('forged') }, ...rest] })).toBe(false);
    expect(verifyMerkleProof({ ...proof, siblings: [{ ...first!, side: first!.side === 'left' ? 'right' : 'left' }, ...rest] })).toBe(false);
    expect(verifyMerkleProof({ ...proof, root: merkleRoot(items(8)) })).toBe(false);
  });

  it('calls a malformed proof invalid instead of throwing', () => {
    const proof = merkleProof(items(2), 0);
    expect(verifyMerkleProof({ ...proof, leaf: 'zz' })).toBe(false);
    expect(verifyMerkleProof({ ...proof, siblings: [{ hash: 'not-hex', side: 'left' }] })).toBe(false);
  });

  it('refuses to prove an index outside the tree', () => {
    expect(() => merkleProof(items(3), 3)).toThrow(RangeError);
  });
});
