import { describe, expect, it } from 'vitest';
import { acceptCoSignature, checkBlockSignature, coSignatureMessages, knownSignatures, memoizedSignatureChecker, signBlockHash } from '../../consensus/chain/cosign.ts';
import { createSigner } from '../../consensus/crypto/signer.ts';
import { hashValue } from '../../runtime/hash.ts';
import { testSigner } from './fixtures.ts';

const alice = testSigner(11);
const bob = testSigner(12);
const hash = hashValue({ block: 1 });
const otherHash = hashValue({ block: 2 });
const aliceSig = signBlockHash(alice, hash);

describe('co-signatures', () => {
  it('signs a block hash with the node id, algorithm and public key of the signer', () => {
    expect(aliceSig).toMatchObject({ signer: alice.nodeId, algorithm: 'ml_dsa87', publicKey: alice.publicKeyHex });
    expect(checkBlockSignature(hash, aliceSig)).toEqual({ ok: true });
  });

  it('addresses the same signature to every peer', () => {
    const messages = coSignatureMessages(aliceSig, { height: 4, hash }, 'validator-1', ['validator-2', 'business-1']);
    expect(messages.map((m) => m.to)).toEqual(['validator-2', 'business-1']);
    expect(messages.every((m) => m.type === 'cosign' && m.from === 'validator-1' && m.height === 4 && m.hash === hash)).toBe(true);
    expect(messages.every((m) => m.signature === aliceSig.signature && m.publicKey === alice.publicKeyHex)).toBe(true);
  });

  it('refuses a signature over another hash', () => {
    expect(checkBlockSignature(otherHash, aliceSig)).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
  });

  it('refuses a public key that does not hash to the claimed signer', () => {
    expect(checkBlockSignature(hash, { ...aliceSig, signer: bob.nodeId })).toEqual({ ok: false, fault: 'KEY_MISMATCH' });
  });

  it("refuses another node's key presented under its own id with this node's signature", () => {
    expect(checkBlockSignature(hash, { ...aliceSig, signer: bob.nodeId, publicKey: bob.publicKeyHex })).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
  });

  it('refuses a key that is not hex without throwing', () => {
    expect(checkBlockSignature(hash, { ...aliceSig, publicKey: 'zz' })).toEqual({ ok: false, fault: 'KEY_MISMATCH' });
  });

  it('refuses a truncated signature without throwing', () => {
    expect(checkBlockSignature(hash, { ...aliceSig, signature: aliceSig.signature.slice(0, 64) })).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
  });

  it('verifies with the algorithm the signature names', () => {
    const small = createSigner('ml_dsa44', new Uint8Array(32).fill(13));
    const sig = signBlockHash(small, hash);
    expect(checkBlockSignature(hash, sig)).toEqual({ ok: true });
    expect(checkBlockSignature(hash, { ...sig, algorithm: 'ml_dsa65' })).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
  });

  const received = () => coSignatureMessages(aliceSig, { height: 1, hash }, 'validator-1', ['validator-2'])[0]!;

  it('accepts a received co-signature as a signature by the node its key belongs to', () => {
    expect(acceptCoSignature(received())).toEqual({ ok: true, signature: aliceSig });
  });

  it('accepts a received co-signature whose key is the one pinned for its sender', () => {
    expect(acceptCoSignature(received(), alice.nodeId)).toEqual({ ok: true, signature: aliceSig });
  });

  it('refuses a received co-signature whose key differs from the one pinned for its sender', () => {
    expect(acceptCoSignature(received(), bob.nodeId)).toEqual({ ok: false, fault: 'KEY_MISMATCH' });
  });

  it('refuses a received co-signature naming an algorithm the network does not use', () => {
    expect(acceptCoSignature({ ...received(), algorithm: 'rsa' })).toEqual({ ok: false, fault: 'ALGORITHM_UNKNOWN' });
  });

  it('refuses a received co-signature over another hash than the one it names', () => {
    expect(acceptCoSignature({ ...received(), hash: otherHash })).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
  });
});

describe('known signatures of a block', () => {
  const embedded = { signer: alice.nodeId, algorithm: alice.algorithm, signature: aliceSig.signature };

  it("adds the member's key to a signature the block carries", () => {
    const keys = new Map([[alice.nodeId, alice.publicKeyHex]]);
    expect(knownSignatures([embedded], [], (id) => keys.get(id))).toEqual([aliceSig]);
  });

  it('keeps a signature the block carries without a key when the member is unknown', () => {
    expect(knownSignatures([embedded], [], () => undefined)).toEqual([embedded]);
  });

  it('lists one signature per signer, the co-signature first', () => {
    const bobSig = signBlockHash(bob, hash);
    const signatures = knownSignatures([embedded], [bobSig, aliceSig, bobSig], () => undefined);
    expect(signatures).toEqual([bobSig, aliceSig]);
  });
});

describe('remembered signature checks', () => {
  it('answers as checkBlockSignature does, for valid and invalid signatures alike', () => {
    const check = memoizedSignatureChecker(10);
    for (let i = 0; i < 2; i++) {
      expect(check(hash, aliceSig)).toEqual({ ok: true });
      expect(check(otherHash, aliceSig)).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
      expect(check(hash, { ...aliceSig, signer: bob.nodeId })).toEqual({ ok: false, fault: 'KEY_MISMATCH' });
    }
  });

  it('checks a different signature by the same signer afresh', () => {
    const check = memoizedSignatureChecker(10);
    expect(check(hash, aliceSig)).toEqual({ ok: true });
    const tampered = { ...aliceSig, signature: (aliceSig.signature[0] === '0' ? '1' : '0') + aliceSig.signature.slice(1) };
    expect(check(hash, tampered)).toEqual({ ok: false, fault: 'SIGNATURE_INVALID' });
  });
});
