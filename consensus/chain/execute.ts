import type { ChannelEvent, Transaction } from '../../schemas/index.ts';
import { invariant } from '../invariant.ts';
import { applyTransaction, StateOverlay, type ApplyResult, type LedgerRejectionCode, type StateView } from '../ledger/index.ts';

export interface PendingTx {
  tx: Transaction;
  /** txHashOf(tx), computed once on submission. */
  hash: string;
}

/** What became of one submitted transaction. */
export type TxOutcome =
  | { kind: 'committed'; txHash: string; height: number; index: number }
  /** The event was already attested: points at the original transaction. */
  | { kind: 'duplicate'; txHash: string; height: number }
  | { kind: 'rejected'; txHash: string; code: LedgerRejectionCode; message: string };

export interface ExecutedBatch {
  /** Only transactions that applied enter a block; duplicates and rejections are answered, not recorded. */
  included: PendingTx[];
  writes: ReadonlyMap<string, unknown>;
  /** One outcome per input transaction, in input order. */
  outcomes: TxOutcome[];
  /** Events newly attested by this batch, in block order. */
  attested: { event: ChannelEvent; txHash: string }[];
}

/**
 * Applies a batch in order at `height`, each transaction seeing the writes of those before it. Pure.
 * A user transaction signed for another chain is refused here, before the ledger sees it.
 */
export function executeBatch(state: StateView, batch: readonly PendingTx[], height: number, chainId: string): ExecutedBatch {
  const overlay = new StateOverlay(state);
  const included: PendingTx[] = [];
  const outcomes: TxOutcome[] = [];
  const attested: ExecutedBatch['attested'] = [];
  const seen = new Set<string>();
  for (const pending of batch) {
    const result =
      pending.tx.type !== 'attest' && pending.tx.chainId !== chainId
        ? chainMismatch(pending.tx.chainId, chainId)
        : applyTransaction(overlay, pending.tx, { height, txHash: pending.hash });
    switch (result.kind) {
      case 'applied':
        // Two applied transactions with one hash would collide in the block and in storage.
        invariant(!seen.has(pending.hash), 'a transaction applied twice in one block', { txHash: pending.hash });
        seen.add(pending.hash);
        overlay.setAll(result.writes);
        outcomes.push({ kind: 'committed', txHash: pending.hash, height, index: included.length });
        included.push(pending);
        if (result.attested !== null) attested.push({ event: result.attested, txHash: pending.hash });
        break;
      case 'duplicate':
        outcomes.push({ kind: 'duplicate', txHash: result.original.txHash, height: result.original.height });
        break;
      case 'rejected':
        outcomes.push({ kind: 'rejected', txHash: pending.hash, code: result.code, message: result.message });
        break;
    }
  }
  invariant(outcomes.length === batch.length, 'one outcome per transaction');
  return { included, writes: overlay.writes, outcomes, attested };
}

function chainMismatch(txChainId: string, chainId: string): ApplyResult {
  return { kind: 'rejected', code: 'CHAIN_ID_MISMATCH', message: `the transaction is signed for chain '${txChainId}', this chain is '${chainId}'` };
}
