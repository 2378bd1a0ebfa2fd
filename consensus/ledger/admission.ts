import type { UserTransaction } from '../../schemas/index.ts';
import { accountOfKey } from './account-key.ts';
import { applyTransaction } from './apply.ts';
import { reject, type Rejection } from './result.ts';
import { StateOverlay, type StateView } from './state.ts';

/** User transactions one account may have waiting for a block; past it the next one is refused (429) until some commit. */
export const ACCOUNT_PENDING_TXS_MAX = 64;

/**
 * Admission of user transactions on the node that orders them (the leader): a transaction enters
 * the mempool only if it would apply on the applied state after the sender's own pending
 * transactions — right chain, next nonce, enough balance, issuer rules — so refused ones never reach
 * the log. It decides with the ledger's own apply, so the two cannot disagree; applying in blocks
 * stays the authority (another account's transaction may still get in first).
 * Signatures are not checked here: the receiving node verified them before submitting (http/routes/submit-transaction.ts).
 */
export class AccountAdmission {
  /** Per account id, its admitted and unsettled transactions in nonce order. */
  private readonly pending = new Map<string, UserTransaction[]>();

  constructor(
    private readonly state: StateView,
    private readonly chainId: string,
    private readonly perAccountMax = ACCOUNT_PENDING_TXS_MAX,
  ) {}

  /** Admits `tx` (it now counts as pending until `release`) or says why not. */
  admit(tx: UserTransaction, txHash: string): Rejection | null {
    if (tx.chainId !== this.chainId) return reject('CHAIN_ID_MISMATCH', `the transaction is signed for chain '${tx.chainId}', this chain is '${this.chainId}'`);
    const key = accountOfKey(tx.from);
    if (key === undefined) return reject('ACCOUNT_KEY_INVALID', "'from' is not an ML-DSA-44, -65 or -87 public key");
    const account = key.id;
    const queue = this.pending.get(account) ?? [];
    if (queue.length >= this.perAccountMax) {
      return reject('ACCOUNT_PENDING_LIMIT', `account ${account} has ${queue.length} transactions waiting for a block; wait for some to commit`);
    }
    // Pending ones that already committed fail here as replays and change nothing: exact whatever the timing of release.
    const overlay = new StateOverlay(this.state);
    for (const earlier of queue) {
      const result = applyTransaction(overlay, earlier, { height: 0, txHash });
      if (result.kind === 'applied') overlay.setAll(result.writes);
    }
    const result = applyTransaction(overlay, tx, { height: 0, txHash });
    if (result.kind === 'rejected') return result;
    queue.push(tx);
    this.pending.set(account, queue);
    return null;
  }

  /** The transaction was settled (committed, rejected by a block, or failed): it no longer counts as pending. */
  release(tx: UserTransaction): void {
    const account = accountOfKey(tx.from)?.id;
    const queue = account === undefined ? undefined : this.pending.get(account);
    if (account === undefined || queue === undefined) return;
    const at = queue.indexOf(tx);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) this.pending.delete(account);
  }

  /** Accounts with something pending (bounded by the mempool). */
  get accounts(): number {
    return this.pending.size;
  }
}
