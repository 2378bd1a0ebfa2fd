import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import {
  validatorSet,
  ValidatorSetError,
  verifyAttestation,
  verifyBlock,
  verifyQuorum,
  verifyTransactionReceipt,
  type Verification,
} from '../../client/verify/index.ts';
import { attestation, committedReceipt, outsider, pinned, signedBlock, validators } from './verify-fixtures.ts';

const set = validatorSet(pinned);
const faultOf = (v: Verification): string => (v.ok ? 'ok' : v.fault);
const flipHex = (hex: string, at = 10): string => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);

describe('dApp verifier: transaction receipts', () => {
  it('accepts a committed transaction whose proof reaches the block root and whose block a majority signed', () => {
    const result = verifyTransactionReceipt(committedReceipt(), set, committedReceipt().hash);
    expect(result).toMatchObject({ ok: true, height: 7, quorum: { final: true, required: 2 } });
    if (result.ok) expect(result.quorum.signers).toHaveLength(3);
  });

  it('accepts a block signed by two of three validators: a majority is enough', () => {
    expect(verifyTransactionReceipt(committedReceipt(0, signedBlock(validators.slice(1))), set, committedReceipt(0).hash).ok).toBe(true);
  });

  it('rejects a transaction changed after it was hashed', () => {
    const receipt = committedReceipt();
    const tx = receipt.transaction;
    if (tx.type !== 'attest') throw new Error('fixture is an attest transaction');
    const altered = { ...receipt, transaction: { ...tx, event: { ...tx.event, observation: { ...tx.event.observation, value: 99 } } } };
    expect(faultOf(verifyTransactionReceipt(altered, set, receipt.hash))).toBe('TX_HASH_MISMATCH');
  });

  it('rejects a proof whose sibling hash was tampered with', () => {
    const receipt = committedReceipt();
    const proof = receipt.proof!;
    const siblings = proof.siblings.map((s, i) => (i === 0 ? { ...s, hash: flipHex(s.hash) } : s));
    expect(faultOf(verifyTransactionReceipt({ ...receipt, proof: { ...proof, siblings } }, set, receipt.hash))).toBe('PROOF_INVALID');
  });

  it('rejects a proof whose sides were swapped', () => {
    const receipt = committedReceipt();
    const proof = receipt.proof!;
    const siblings = proof.siblings.map((s) => ({ ...s, side: s.side === 'left' ? ('right' as const) : ('left' as const) }));
    expect(faultOf(verifyTransactionReceipt({ ...receipt, proof: { ...proof, siblings } }, set, receipt.hash))).toBe('PROOF_INVALID');
  });

  it("rejects another transaction's proof", () => {
    const receipt = committedReceipt(1);
    expect(faultOf(verifyTransactionReceipt({ ...receipt, proof: committedReceipt(0).proof }, set, receipt.hash))).toBe('PROOF_MISMATCH');
  });

  it("rejects a proof whose root is not the block's transaction root", () => {
    const receipt = committedReceipt();
    const block = receipt.block!;
    const header = { ...block.header, txRoot: 'ee'.repeat(32) };
    expect(faultOf(verifyTransactionReceipt({ ...receipt, block: { ...block, header } }, set, receipt.hash))).toBe('PROOF_MISMATCH');
  });

  it('rejects a header changed after it was signed', () => {
    const receipt = committedReceipt();
    const block = receipt.block!;
    const header = { ...block.header, stateRoot: 'ef'.repeat(32) };
    expect(faultOf(verifyTransactionReceipt({ ...receipt, block: { ...block, header } }, set, receipt.hash))).toBe('BLOCK_HASH_MISMATCH');
  });

  it('rejects a block that only one of three validators signed', () => {
    const result = verifyTransactionReceipt(committedReceipt(1, signedBlock(validators.slice(0, 1))), set, committedReceipt(1).hash);
    expect(result).toMatchObject({ ok: false, fault: 'QUORUM_NOT_REACHED', quorum: { signers: [validators[0]!.nodeId], required: 2 } });
  });

  it('says a pending transaction is not committed rather than verified', () => {
    const receipt = committedReceipt();
    const pending = { ...receipt, status: 'pending' as const, height: null, index: null, block: null, proof: null };
    expect(faultOf(verifyTransactionReceipt(pending, set, receipt.hash))).toBe('NOT_COMMITTED');
  });

  it('rejects a genuine receipt of another transaction than the one asked for', () => {
    expect(faultOf(verifyTransactionReceipt(committedReceipt(0), set, committedReceipt(1).hash))).toBe('TX_HASH_MISMATCH');
  });

  it('accepts the hash asked for in upper-case hex', () => {
    expect(verifyTransactionReceipt(committedReceipt(), set, committedReceipt().hash.toUpperCase()).ok).toBe(true);
  });
});

describe('dApp verifier: block signatures against the pinned validator set', () => {
  const block = signedBlock();

  it('does not count a forged signature', () => {
    const forged = block.signatures.map((s, i) => (i < 2 ? { ...s, signature: flipHex(s.signature, 100) } : s));
    expect(verifyQuorum(block.hash, forged, set)).toMatchObject({ final: false, signers: [validators[2]!.nodeId], invalid: [validators[0]!.nodeId, validators[1]!.nodeId] });
  });

  it('does not count a signature by another key that claims a pinned validator id, whatever key it carries', () => {
    const impostor = validators.slice(0, 2).map((v) => ({ signer: v.nodeId, algorithm: outsider.algorithm, publicKey: outsider.publicKeyHex, signature: outsider.signBlockHash(block.hash) }));
    expect(verifyQuorum(block.hash, impostor, set)).toMatchObject({ final: false, signers: [] });
  });

  it('ignores signatures of nodes outside the set', () => {
    const extra = { signer: outsider.nodeId, algorithm: outsider.algorithm, signature: outsider.signBlockHash(block.hash) };
    expect(verifyQuorum(block.hash, [block.signatures[0]!, extra], set)).toMatchObject({ final: false, signers: [validators[0]!.nodeId], invalid: [] });
  });

  it('counts a validator once however often its signature is repeated', () => {
    const first = block.signatures[0]!;
    expect(verifyQuorum(block.hash, [first, first, first], set)).toMatchObject({ final: false, signers: [validators[0]!.nodeId] });
  });

  it("does not count signatures over another block's hash", () => {
    const other = signedBlock();
    expect(verifyQuorum('12'.repeat(32), other.signatures, set).final).toBe(false);
  });
});

describe('dApp verifier: blocks', () => {
  it('accepts a block whose header hashes to its hash and that a majority signed', () => {
    expect(verifyBlock(signedBlock(), set, 7)).toMatchObject({ ok: true, height: 7, quorum: { final: true } });
  });

  it('refuses a block of another chain than the one the set was pinned for', () => {
    const pinnedToMain = validatorSet(pinned, { chainId: 'main-chain' });
    expect(faultOf(verifyTransactionReceipt(committedReceipt(), pinnedToMain, committedReceipt().hash))).toBe('CHAIN_MISMATCH');
    expect(verifyBlock(signedBlock(), validatorSet(pinned, { chainId: 'test-chain' }), 7).ok).toBe(true);
  });

  it('rejects a genuine block of another height than the one asked for', () => {
    expect(verifyBlock(signedBlock(), set, 8)).toMatchObject({ ok: false, fault: 'HEIGHT_MISMATCH' });
  });
});

describe('dApp verifier: attested values', () => {
  it('accepts the latest attestation of a feed when its event is in a final block', () => {
    expect(verifyAttestation(attestation(), set, attestation().feedId)).toMatchObject({ ok: true, height: 7 });
  });

  it('rejects a value shown that is not the attested one', () => {
    expect(faultOf(verifyAttestation({ ...attestation(), value: 1_000 }, set, attestation().feedId))).toBe('VALUE_MISMATCH');
  });

  it('rejects an attested event changed after it was committed', () => {
    const a = attestation();
    const event = { ...a.event, quality: { ...a.event.quality, score: 0.99 } };
    expect(faultOf(verifyAttestation({ ...a, event }, set, a.feedId))).toBe('TX_HASH_MISMATCH');
  });

  it('rejects an attestation placed at a height other than its block', () => {
    expect(faultOf(verifyAttestation({ ...attestation(), height: 8 }, set, attestation().feedId))).toBe('BLOCK_HASH_MISMATCH');
  });

  it("rejects a genuine attestation of another feed than the one asked for", () => {
    expect(faultOf(verifyAttestation(attestation(), set, 'feed-asked-for'))).toBe('FEED_MISMATCH');
  });
});

describe('dApp verifier: the pinned validator set', () => {
  it('refuses a validator whose key does not hash to its node id', () => {
    const swapped = { ...pinned[0]!, publicKey: pinned[1]!.publicKey };
    expect(() => validatorSet([swapped, pinned[2]!])).toThrow(ValidatorSetError);
  });

  it('refuses an empty set', () => {
    expect(() => validatorSet([])).toThrow(/at least one validator/);
  });

  it('refuses a validator listed twice', () => {
    expect(() => validatorSet([pinned[0]!, pinned[0]!])).toThrow(/twice/);
  });

  it('needs a majority of the set', () => {
    expect(validatorSet(pinned.slice(0, 1)).required).toBe(1);
    expect(validatorSet(pinned).required).toBe(2);
  });
});

describe('dApp verifier: runs in a browser', () => {
  it('bundles for the browser with @noble/hashes and @noble/post-quantum as its only packages', async () => {
    const result = await build({ entryPoints: ['client/verify/index.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    const packages = new Set(inputs.filter((p) => p.includes('node_modules/')).map((p) => p.split('node_modules/')[1]!.split('/').slice(0, 2).join('/')));
    // @noble/curves comes with @noble/post-quantum (its field arithmetic); nothing else, no node: module.
    expect([...packages].sort()).toEqual(['@noble/curves', '@noble/hashes', '@noble/post-quantum']);
    const ours = inputs.filter((p) => !p.includes('node_modules/')).sort();
    expect(ours.filter((p) => !p.startsWith('client/verify/'))).toEqual(['schemas/canonical-json.ts', 'schemas/merkle.ts', 'schemas/transaction-signing.ts']);
  });
});
