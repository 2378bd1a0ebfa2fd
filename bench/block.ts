import { buildBlock, genesisBlock, txHashOf, type PendingTx } from '../consensus/chain/index.ts';
import { createSigner } from '../consensus/crypto/signer.ts';
import { StateTree } from '../consensus/ledger/index.ts';
import type { SignatureAlgorithm } from '../schemas/index.ts';
import { attest, minute, weatherEvent } from '../tests/consensus/fixtures.ts';
import { sideBySide } from './measure.ts';

const TXS_PER_BLOCK = 200;

/** A batch of distinct attest transactions, hashed once as the mempool does on submission. */
function batchOf(size: number): PendingTx[] {
  return Array.from({ length: size }, (_, i) => {
    const tx = attest(weatherEvent({ id: `evt-${i}`, feedId: `feed-${i % 50}`, observedAt: minute(i % 60), value: 10 + (i % 7) }));
    return { tx, hash: txHashOf(tx) };
  });
}

/** Ledger entries already present when the block is built: the state root covers them all. */
const GROWN_STATE_ENTRIES = 50_000;

function grownState(entries: number): Map<string, unknown> {
  const state = new Map<string, unknown>();
  for (let i = 0; i < entries; i++) state.set(`event:old-${i}`, { txHash: 'ab'.repeat(32), height: 1 + (i % 1000) });
  return state;
}

function blockBuilder(algorithm: SignatureAlgorithm, stateEntries = 0) {
  const signer = createSigner(algorithm, new Uint8Array(32).fill(3));
  const head = genesisBlock('bench', '2026-01-01T00:00:00.000Z', signer);
  const batch = batchOf(TXS_PER_BLOCK);
  const state = grownState(stateEntries);
  const stateTree = StateTree.from(state);
  return () => {
    const built = buildBlock({ chainId: 'bench', head, state, stateTree, batch, timestamp: '2026-01-01T00:00:01.000Z', signer });
    if (built.block === null) throw new Error('bench batch did not apply');
  };
}

/**
 * Building one block of 200 attestations (apply, Merkle roots, state root, one signature):
 * ML-DSA-87 (the default, NIST level 5) as the baseline against ML-DSA-44, side by side; and the
 * same block on an empty ledger against one already holding 50 000 entries.
 */
export async function blockBench() {
  const r = sideBySide(blockBuilder('ml_dsa87'), blockBuilder('ml_dsa44'), 5, 1_000);
  // The state root is kept incrementally: a grown ledger should cost a block little more than an empty one.
  const grown = sideBySide(blockBuilder('ml_dsa87'), blockBuilder('ml_dsa87', GROWN_STATE_ENTRIES), 3, 2_000);
  return {
    grownStateEntries: GROWN_STATE_ENTRIES,
    mlDsa87GrownStateBlocksPerSec: grown.candidateOpsPerSec,
    grownOverEmptyStateRatio: grown.ratio,
    txsPerBlock: TXS_PER_BLOCK,
    mlDsa87BlocksPerSec: r.baselineOpsPerSec,
    mlDsa44BlocksPerSec: r.candidateOpsPerSec,
    mlDsa44OverMlDsa87Ratio: r.ratio,
    mlDsa87AttestsPerSec: r.baselineOpsPerSec * TXS_PER_BLOCK,
  };
}
