import type { Block, BlockWithTransactions } from '../../schemas/index.ts';
import type { NodeSigner } from '../crypto/signer.ts';
import { invariant } from '../invariant.ts';
import { StateTree, type LedgerState } from '../ledger/index.ts';
import { executeBatch, type ExecutedBatch, type PendingTx } from './execute.ts';
import { sealBlock } from './seal.ts';

export interface BuildInput {
  chainId: string;
  head: Block;
  state: LedgerState;
  /** The cached tree of `state`, which gives the new root at the cost of the block's writes. */
  stateTree: StateTree;
  batch: readonly PendingTx[];
  timestamp: string;
  /** Null: sealed unsigned (see SealInput.signer). */
  signer: NodeSigner | null;
  /** Signer node id of the proposer; default the signer (see SealInput.proposer). */
  proposer?: string;
}

export interface BuiltBlock extends ExecutedBatch {
  /** Null when no transaction of the batch applied: empty blocks are not made. */
  block: BlockWithTransactions | null;
}

/** Applies a batch on top of `head` and seals the next block. Pure apart from the signer's randomness. */
export function buildBlock(input: BuildInput): BuiltBlock {
  const height = input.head.header.height + 1;
  const executed = executeBatch(input.state, input.batch, height, input.chainId);
  if (executed.included.length === 0) {
    invariant(executed.writes.size === 0, 'no writes without an applied transaction');
    return { ...executed, block: null };
  }
  const txHashes = executed.included.map((p) => p.hash);
  const sealed = sealBlock({
    chainId: input.chainId,
    prev: input.head,
    txHashes,
    stateRoot: input.stateTree.rootWith(executed.writes),
    timestamp: input.timestamp,
    signer: input.signer,
    ...(input.proposer === undefined ? {} : { proposer: input.proposer }),
  });
  return { ...executed, block: { ...sealed, transactions: executed.included.map((p) => p.tx) } };
}
