/** The one who proposed an entry, told how it ended. */
export interface ProposalWaiter<R> {
  settle(result: R): void;
  fail(error: unknown): void;
}

interface Proposal<R> {
  readonly proposalId: string;
  readonly term: number;
  readonly waiter: ProposalWaiter<R>;
}

/**
 * Entries this node proposed as leader, by log index, until applied. An entry applied with another
 * proposal id, or whose index now holds another term, was replaced by a newer leader's: its
 * proposer is failed with a retryable error (delivery is idempotent, so resending is safe).
 */
export class PendingProposals<R> {
  private readonly byIndex = new Map<number, Proposal<R>>();

  get size(): number {
    return this.byIndex.size;
  }

  add(index: number, term: number, proposalId: string, waiter: ProposalWaiter<R>): void {
    this.byIndex.set(index, { proposalId, term, waiter });
  }

  /** The entry at index was applied: its result answers our proposal if it is ours. */
  applied(index: number, proposalId: string | null, result: R | null, replaced: unknown): void {
    const p = this.byIndex.get(index);
    if (p === undefined) return;
    this.byIndex.delete(index);
    if (result !== null && p.proposalId === proposalId) p.waiter.settle(result);
    else p.waiter.fail(replaced);
  }

  /** Fails proposals whose index the log no longer holds in their term. */
  dropReplaced(termAt: (index: number) => number | undefined, replaced: unknown): void {
    for (const [index, p] of this.byIndex) {
      if (termAt(index) !== p.term) {
        this.byIndex.delete(index);
        p.waiter.fail(replaced);
      }
    }
  }

  failAll(error: unknown): void {
    for (const p of this.byIndex.values()) p.waiter.fail(error);
    this.byIndex.clear();
  }
}
