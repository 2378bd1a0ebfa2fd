import { invariant } from '../invariant.ts';
import { limitSize, type RaftStorage } from './storage.ts';
import type { Entry, Snapshot } from './types.ts';
import { UnstableLog } from './unstable.ts';

/**
 * The node's view of the log: stable storage below, the unstable tail above, and how far it is
 * committed and applied. applied <= committed <= lastIndex always.
 */
export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;

  constructor(storage: RaftStorage) {
    this.storage = storage;
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    // Entries may be kept below the snapshot, but the state machine restarts from the snapshot.
    const start = Math.max(storage.firstIndex() - 1, storage.snapshot().meta.index);
    this.committed = start;
    this.applied = start;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const t = this.term(this.lastIndex());
    invariant(t !== undefined, 'the last entry has no term');
    return t;
  }

  /** undefined when i is compacted away or beyond the log. */
  term(i: number): number | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(i) ?? this.storage.term(i);
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** The Raft up-to-date rule: a later last term wins, then a longer log. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi) within the size budget; null when lo is compacted (send a snapshot instead). */
  slice(lo: number, hi: number, sizeBytesMax: number): Entry[] | null {
    if (lo < this.firstIndex()) return null;
    invariant(hi <= this.lastIndex() + 1 && lo <= hi, 'log slice out of range', { lo, hi, last: this.lastIndex() });
    if (lo === hi) return [];
    const unstableFrom = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < unstableFrom) {
      out = this.storage.entries(lo, Math.min(hi, unstableFrom), sizeBytesMax);
      // Storage cut the batch short for size: do not add unstable entries after a gap.
      if (out.length < Math.min(hi, unstableFrom) - lo) return out;
    }
    if (hi > unstableFrom) out = out.concat(this.unstable.slice(Math.max(lo, unstableFrom), hi));
    return limitSize(out, sizeBytesMax);
  }

  /** The first index whose term differs from an incoming entry's, or 0 when all known entries agree. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index <= i whose term is <= term: where a rejecting follower's log may still
   * agree with the leader's, so one round trip skips a whole divergent term.
   */
  findConflictByTerm(i: number, term: number): { index: number; term: number } {
    for (let k = i; k >= this.firstIndex() - 1; k--) {
      const t = this.term(k);
      if (t === undefined) return { index: k, term: 0 };
      if (t <= term) return { index: k, term: t };
    }
    return { index: this.firstIndex() - 1, term: 0 };
  }

  /** Follower side of an append: the new last index when (prevIndex, prevTerm) matches, else undefined. */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      invariant(conflict > this.committed, 'an append conflicts with a committed entry', { conflict, committed: this.committed });
      this.append(entries.slice(conflict - (prevIndex + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    invariant(entries[0]!.index > this.committed, 'append below the commit index', { first: entries[0]!.index, committed: this.committed });
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  commitTo(i: number): void {
    if (i <= this.committed) return;
    invariant(i <= this.lastIndex(), 'commit beyond the last index', { commit: i, last: this.lastIndex() });
    this.committed = i;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    invariant(i >= this.applied && i <= this.committed, 'applied out of range', { applied: i, committed: this.committed, was: this.applied });
    this.applied = i;
  }

  /** Committed entries not yet applied, none while a snapshot waits to be persisted (it replaces them). */
  nextCommittedEntries(sizeBytesMax: number): Entry[] {
    if (this.unstable.snapshot) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    const out = this.slice(lo, this.committed + 1, sizeBytesMax);
    invariant(out !== null, 'committed entries are compacted before being applied');
    return out;
  }

  /** The newest snapshot: pending in memory if there is one, else the stored one. */
  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  restore(snapshot: Snapshot): void {
    this.committed = snapshot.meta.index;
    this.unstable.restore(snapshot);
  }
}
