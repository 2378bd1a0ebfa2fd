import type { ConsensusStatus, Transaction } from '../../schemas/index.ts';
import type { TxOutcome } from '../chain/index.ts';

/** What became of a submitted transaction once it is decided. */
export type CommitResult = TxOutcome;

/**
 * The seam between the HTTP layer and how blocks get agreed on: one node today,
 * a Raft group later, with the same interface.
 */
export interface Consensus {
  /** Resolves once every transaction is committed (stored in a block), a duplicate, or rejected; in input order. */
  submit(txs: readonly Transaction[]): Promise<CommitResult[]>;
  status(): ConsensusStatus;
  /**
   * Resolves once this node has applied everything committed before the call, so a read served after
   * it is linearizable (Raft's ReadIndex); fails with a retryable 503 when no leader can confirm it.
   */
  readBarrier(): Promise<void>;
  /** Calls `listener` with the transaction count of every block this node stores from now on (metrics). */
  onCommittedBlock(listener: (txCount: number) => void): void;
  /** A transaction accepted but not yet in a block. */
  pendingTransaction(txHash: string): Transaction | undefined;
  /** 'down' once the node halted on a failed invariant: it serves reads but commits nothing. */
  health(): 'up' | 'down';
  /** Stops taking transactions, finishes the block in flight, fails what is still pending (retryable). */
  close(): Promise<void>;
}
