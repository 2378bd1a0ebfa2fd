import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { blockHashOf, buildBlock, genesisBlock, sealBlock, txHashOf, verifyBlock, ZERO_HASH, type PendingTx } from '../../consensus/chain/index.ts';
import { EMPTY_ROOT, merkleProof, merkleRoot, verifyMerkleProof } from '../../consensus/crypto/merkle.ts';
import { EMPTY_STATE_ROOT, stateRoot, StateTree } from '../../consensus/ledger/index.ts';
import type { Block, BlockWithTransactions } from '../../schemas/index.ts';
import { attest, minute, testSigner, weatherEvent } from './fixtures.ts';

const CHAIN = 'test-chain';
const signer = testSigner(1);
const pending = (n: number, from = 0): PendingTx[] =>
  Array.from({ length: n }, (_, i) => attest(weatherEvent({ id: `e${from + i}`, observedAt: minute(from + i), value: from + i }))).map((tx) => ({
    tx,
    hash: txHashOf(tx),
  }));

/** Genesis and two blocks on top, with the state they leave. */
function smallChain(): { genesis: Block; first: BlockWithTransactions; second: BlockWithTransactions; state: Map<string, unknown> } {
  const state = new Map<string, unknown>();
  const genesis = genesisBlock(CHAIN, minute(0), signer);
  const one = buildBlock({ chainId: CHAIN, head: genesis, state, stateTree: StateTree.from(state), batch: pending(3), timestamp: minute(1), signer });
  for (const [k, v] of one.writes) state.set(k, v);
  const two = buildBlock({ chainId: CHAIN, head: one.block!, state, stateTree: StateTree.from(state), batch: pending(2, 3), timestamp: minute(2), signer });
  for (const [k, v] of two.writes) state.set(k, v);
  return { genesis, first: one.block!, second: two.block!, state };
}

const chain = smallChain();

describe('chain', () => {
  it('starts from a signed genesis at height 0 with no transactions and the empty roots', () => {
    const { header } = chain.genesis;
    expect(header).toMatchObject({ height: 0, prevHash: ZERO_HASH, txRoot: EMPTY_ROOT, stateRoot: EMPTY_STATE_ROOT, txCount: 0, proposer: signer.nodeId });
    expect(verifyBlock(chain.genesis, [signer.identity])).toBe(true);
  });

  it('links each block to the hash of the one before, one height up', () => {
    expect(chain.first.header).toMatchObject({ height: 1, prevHash: chain.genesis.hash });
    expect(chain.second.header).toMatchObject({ height: 2, prevHash: chain.first.hash });
    expect(chain.second.hash).toBe(blockHashOf(chain.second.header));
  });

  it('commits to its transactions in order through txRoot, with a proof for each', () => {
    const { header, txHashes, transactions } = chain.first;
    expect(txHashes).toEqual(transactions.map(txHashOf));
    expect(header.txRoot).toBe(merkleRoot(txHashes));
    txHashes.forEach((_, i) => expect(verifyMerkleProof(merkleProof(txHashes, i))).toBe(true));
  });

  it('records the root of the state the block leaves', () => {
    expect(chain.second.header.stateRoot).toBe(stateRoot(chain.state));
  });

  it('carries a signature over the block hash that @noble/post-quantum verifies', () => {
    const [signature] = chain.first.signatures;
    expect(signature).toMatchObject({ signer: signer.nodeId, algorithm: 'ml_dsa87' });
    const ok = ml_dsa87.verify(hexToBytes(signature!.signature), hexToBytes(chain.first.hash), hexToBytes(signer.publicKeyHex));
    expect(ok).toBe(true);
  });

  it('fails verification once a header field is changed', () => {
    const tampered: Block = { ...chain.first, header: { ...chain.first.header, stateRoot: chain.genesis.header.stateRoot } };
    expect(verifyBlock(tampered, [signer.identity])).toBe(false);
    const rehashed = { ...tampered, hash: blockHashOf(tampered.header) };
    expect(verifyBlock(rehashed, [signer.identity])).toBe(false);
  });

  it('fails verification against a validator set that does not hold the signer', () => {
    expect(verifyBlock(chain.first, [testSigner(2).identity])).toBe(false);
  });

  it('makes no block when nothing in the batch applies', () => {
    const redelivered = buildBlock({ chainId: CHAIN, head: chain.second, state: chain.state, stateTree: StateTree.from(chain.state), batch: pending(2), timestamp: minute(3), signer });
    expect(redelivered.block).toBeNull();
    expect(redelivered.outcomes.map((o) => o.kind)).toEqual(['duplicate', 'duplicate']);
  });

  it('leaves out rejected transactions and keeps the rest in order', () => {
    const review = attest(weatherEvent({ id: 'rev', decision: 'review', observedAt: minute(30) }));
    const batch = [...pending(1, 10), { tx: review, hash: txHashOf(review) }, ...pending(1, 11)];
    const built = buildBlock({ chainId: CHAIN, head: chain.second, state: chain.state, stateTree: StateTree.from(chain.state), batch, timestamp: minute(3), signer });
    expect(built.outcomes.map((o) => o.kind)).toEqual(['committed', 'rejected', 'committed']);
    expect(built.block!.txHashes).toEqual([batch[0]!.hash, batch[2]!.hash]);
  });

  it('never dates a block before its parent, whatever the clock says', () => {
    const built = buildBlock({ chainId: CHAIN, head: chain.second, state: chain.state, stateTree: StateTree.from(chain.state), batch: pending(1, 20), timestamp: minute(0), signer });
    expect(built.block!.header.timestamp).toBe(chain.second.header.timestamp);
  });

  it('seals a block unsigned for a node whose signature counts for nothing, naming the proposer it is given', () => {
    const unsigned = sealBlock({ chainId: CHAIN, prev: chain.second, txHashes: [], stateRoot: EMPTY_ROOT, timestamp: minute(3), signer: null, proposer: signer.nodeId });
    const signed = sealBlock({ chainId: CHAIN, prev: chain.second, txHashes: [], stateRoot: EMPTY_ROOT, timestamp: minute(3), signer });
    expect(unsigned.signatures).toEqual([]);
    expect(unsigned.hash).toBe(signed.hash);
  });

  it('refuses to seal an unsigned block without a proposer', () => {
    const attempt = () => sealBlock({ chainId: CHAIN, prev: chain.second, txHashes: [], stateRoot: EMPTY_ROOT, timestamp: minute(3), signer: null });
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVARIANT_VIOLATED' }));
  });

  it('refuses to extend a parent whose hash does not match its header', () => {
    const broken = { ...chain.second, hash: chain.first.hash };
    const attempt = () => sealBlock({ chainId: CHAIN, prev: broken, txHashes: [], stateRoot: EMPTY_ROOT, timestamp: minute(3), signer });
    expect(attempt).toThrow(expect.objectContaining({ code: 'INVARIANT_VIOLATED' }));
  });
});
