import type { Entry } from '../raft/index.ts';

/** What applying one committed entry gave: the proposal it carried (null when none) and its result. */
export interface AppliedEntry<R> {
  readonly proposalId: string | null;
  readonly result: R;
}

/**
 * The replicated state machine as the engine drives it: committed entries in log order, once
 * each, and snapshots. The ledger is one (ledger-entries.ts); benches plug in lighter ones.
 */
export interface EngineMachine<R> {
  /** Index of the newest entry whose effect is durable: the engine resumes applying after it. */
  readonly applied: number;
  /** A normal, non-empty committed entry. */
  apply(entry: Entry): Promise<AppliedEntry<R>>;
  /** An entry with nothing to apply (a new leader's empty entry, a membership change). */
  skip(index: number): void;
  snapshot(): Uint8Array;
  restore(index: number, data: Uint8Array): Promise<void>;
}
