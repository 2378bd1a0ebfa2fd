import { describe, expect, it } from 'vitest';
import { signBlockHash } from '../../consensus/chain/cosign.ts';
import { finalityOf, finalityQuorum } from '../../consensus/chain/finality.ts';
import { hashValue } from '../../runtime/hash.ts';
import { testSigner } from './fixtures.ts';

const [v1, v2, v3, learner, stranger] = [21, 22, 23, 24, 25].map((seed) => testSigner(seed)) as [
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
  ReturnType<typeof testSigner>,
];
const voters = [v1.nodeId, v2.nodeId, v3.nodeId];
const hash = hashValue({ block: 'final' });
const sig = (signer: ReturnType<typeof testSigner>, over = hash) => signBlockHash(signer, over);

describe('finality', () => {
  it('needs a majority of the voters: 1 of 1, 2 of 3, 3 of 4, 3 of 5', () => {
    expect([1, 3, 4, 5].map(finalityQuorum)).toEqual([1, 2, 3, 3]);
  });

  it('makes a block final with valid signatures of 2 of 3 voters', () => {
    expect(finalityOf(hash, [sig(v1), sig(v3)], voters)).toEqual({ final: true, signers: [v1.nodeId, v3.nodeId], required: 2 });
  });

  it('leaves a block with one voter signature of 3 not final', () => {
    expect(finalityOf(hash, [sig(v2)], voters)).toEqual({ final: false, signers: [v2.nodeId], required: 2 });
  });

  it("does not count a learner's signature", () => {
    expect(finalityOf(hash, [sig(v1), sig(learner)], voters)).toEqual({ final: false, signers: [v1.nodeId], required: 2 });
  });

  it("does not count an unknown node's signature", () => {
    expect(finalityOf(hash, [sig(stranger), sig(v1)], voters).signers).toEqual([v1.nodeId]);
  });

  it('does not count a signature over another hash', () => {
    expect(finalityOf(hash, [sig(v1), sig(v2, hashValue({ block: 'other' }))], voters)).toMatchObject({ final: false, signers: [v1.nodeId] });
  });

  it('counts a voter that signed twice once', () => {
    expect(finalityOf(hash, [sig(v1), sig(v1)], voters)).toEqual({ final: false, signers: [v1.nodeId], required: 2 });
  });

  it('counts a voter whose first signature is invalid and second valid', () => {
    const good = sig(v2);
    const broken = { ...good, signature: (good.signature[0] === '0' ? '1' : '0') + good.signature.slice(1) };
    expect(finalityOf(hash, [broken, sig(v2), sig(v1)], voters).final).toBe(true);
  });

  it('does not count a signature whose signer key is unknown', () => {
    const { publicKey: _key, ...keyless } = sig(v1);
    expect(finalityOf(hash, [keyless, sig(v2)], voters).signers).toEqual([v2.nodeId]);
  });

  it('does not count a signature presented under another voter id', () => {
    expect(finalityOf(hash, [{ ...sig(v1), signer: v2.nodeId }, sig(v3)], voters).signers).toEqual([v3.nodeId]);
  });

  it('lists signers in voter-set order whatever order they arrived in', () => {
    expect(finalityOf(hash, [sig(v3), sig(v2), sig(v1)], voters).signers).toEqual(voters);
  });

  it('makes a single validator final with its own signature', () => {
    expect(finalityOf(hash, [sig(v1)], [v1.nodeId])).toEqual({ final: true, signers: [v1.nodeId], required: 1 });
  });

  it('never makes a block final without voters', () => {
    expect(finalityOf(hash, [sig(v1)], [])).toEqual({ final: false, signers: [], required: 1 });
  });
});

describe('finality with a given signature check', () => {
  it('asks the given check about each voter signature it counts', () => {
    const asked: string[] = [];
    const finality = finalityOf(hash, [sig(v1), sig(v2), sig(learner)], voters, (_hash, s) => {
      asked.push(s.signer);
      return s.signer === v1.nodeId ? { ok: true } : { ok: false, fault: 'SIGNATURE_INVALID' };
    });
    expect(asked).toEqual([v1.nodeId, v2.nodeId]);
    expect(finality).toEqual({ final: false, signers: [v1.nodeId], required: 2 });
  });
});
