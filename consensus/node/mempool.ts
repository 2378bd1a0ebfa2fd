import type { PendingTx, TxOutcome } from '../chain/index.ts';
import { AccountAdmission, type StateView } from '../ledger/index.ts';

/** What admission of user transactions reads: the applied state and the chain id. */
export interface MempoolAdmission {
  state: StateView;
  chainId: string;
  /** Per-account bound on pending user transactions; default ACCOUNT_PENDING_TXS_MAX. */
  accountPendingTxsMax?: number;
}

interface Waiter {
  resolve(outcome: TxOutcome): void;
  reject(error: unknown): void;
  /** Joined an entry someone else submitted first: a commit of it is a duplicate to this waiter. */
  joined: boolean;
}

export interface MempoolEntry {
  readonly pending: PendingTx;
  readonly waiters: Waiter[];
}

/**
 * Bounded FIFO of transactions waiting for a block. Attests are deduplicated by event id
 * (a redelivered event joins the pending one), other transactions by hash. A new user transaction
 * enters only if admission finds it would apply after its sender's pending ones; otherwise it is
 * answered at once with the rejection, and never reaches a block or the log.
 */
export class Mempool {
  private readonly entries = new Map<string, MempoolEntry>();
  private readonly byHash = new Map<string, MempoolEntry>();
  private readonly admission: AccountAdmission;

  constructor(
    private readonly capacityTxs: number,
    admission: MempoolAdmission,
  ) {
    this.admission = new AccountAdmission(admission.state, admission.chainId, admission.accountPendingTxsMax);
  }

  get size(): number {
    return this.entries.size;
  }

  /** One promise per transaction; null (nothing added) when the new ones do not all fit. */
  add(txs: readonly PendingTx[]): Promise<TxOutcome>[] | null {
    const fresh = new Set<string>();
    for (const p of txs) {
      const key = dedupeKey(p);
      if (!this.entries.has(key)) fresh.add(key);
    }
    if (this.entries.size + fresh.size > this.capacityTxs) return null;
    return txs.map((pending) => {
      const key = dedupeKey(pending);
      let entry = this.entries.get(key);
      const joined = entry !== undefined;
      if (entry === undefined) {
        const { tx } = pending;
        if (tx.type !== 'attest') {
          const refused = this.admission.admit(tx, pending.hash);
          if (refused !== null) return Promise.resolve<TxOutcome>({ kind: 'rejected', txHash: pending.hash, code: refused.code, message: refused.message });
        }
        entry = { pending, waiters: [] };
        this.entries.set(key, entry);
        this.byHash.set(pending.hash, entry);
      }
      const target = entry;
      const settled = new Promise<TxOutcome>((resolve, reject) => target.waiters.push({ resolve, reject, joined }));
      // Settled means applied (state already moved) or failed: either way it stops counting as pending.
      if (!joined && pending.tx.type !== 'attest') {
        const tx = pending.tx;
        settled.then(
          () => this.admission.release(tx),
          () => this.admission.release(tx),
        );
      }
      return settled;
    });
  }

  /** Removes and returns up to `max` entries, oldest first. */
  take(max: number): MempoolEntry[] {
    const taken: MempoolEntry[] = [];
    for (const [key, entry] of this.entries) {
      if (taken.length >= max) break;
      this.entries.delete(key);
      this.byHash.delete(entry.pending.hash);
      taken.push(entry);
    }
    return taken;
  }

  get(txHash: string): PendingTx | undefined {
    return this.byHash.get(txHash)?.pending;
  }

  /** Fails every pending transaction, e.g. on shutdown. */
  failAll(error: unknown): void {
    for (const entry of this.take(this.entries.size)) failEntry(entry, error);
  }
}

export function settleEntry(entry: MempoolEntry, outcome: TxOutcome): void {
  for (const w of entry.waiters) {
    w.resolve(w.joined && outcome.kind === 'committed' ? { kind: 'duplicate', txHash: outcome.txHash, height: outcome.height } : outcome);
  }
}

export function failEntry(entry: MempoolEntry, error: unknown): void {
  for (const w of entry.waiters) w.reject(error);
}

const dedupeKey = (p: PendingTx): string => (p.tx.type === 'attest' ? `event:${p.tx.event.id}` : `tx:${p.hash}`);
