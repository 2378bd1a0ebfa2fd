import type { TxOutcome } from '../chain/index.ts';
import { failEntry, settleEntry, type MempoolEntry } from '../node/mempool.ts';

interface Proposal {
  readonly proposalId: string;
  readonly term: number;
  readonly entries: readonly MempoolEntry[];
}

/**
 * Batches this node proposed as leader, by log index, until their entry is applied. An entry that
 * is applied with another proposal id, or whose index now holds another term, was replaced by a
 * newer leader: its transactions are failed as retryable (delivery is idempotent, so resending is safe).
 */
export class PendingProposals {
  private readonly byIndex = new Map<number, Proposal>();

  get size(): number {
    return this.byIndex.size;
  }

  get transactions(): number {
    let n = 0;
    for (const p of this.byIndex.values()) n += p.entries.length;
    return n;
  }

  add(index: number, term: number, proposalId: string, entries: readonly MempoolEntry[]): void {
    this.byIndex.set(index, { proposalId, term, entries });
  }

  /** The entry at index was applied: its outcomes answer our proposal if it is ours. */
  applied(index: number, proposalId: string | null, outcomes: readonly TxOutcome[], replaced: unknown): void {
    const p = this.byIndex.get(index);
    if (p === undefined) return;
    this.byIndex.delete(index);
    if (p.proposalId === proposalId) p.entries.forEach((e, i) => settleEntry(e, outcomes[i]!));
    else for (const e of p.entries) failEntry(e, replaced);
  }

  /** Fails proposals whose index the log no longer holds in their term. */
  dropReplaced(termAt: (index: number) => number | undefined, replaced: unknown): void {
    for (const [index, p] of this.byIndex) {
      if (termAt(index) !== p.term) {
        this.byIndex.delete(index);
        for (const e of p.entries) failEntry(e, replaced);
      }
    }
  }

  failAll(error: unknown): void {
    for (const p of this.byIndex.values()) for (const e of p.entries) failEntry(e, error);
    this.byIndex.clear();
  }
}
