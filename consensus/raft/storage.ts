import { invariant } from '../invariant.ts';
import type { ConfState, Entry, HardState, Snapshot } from './types.ts';
import { EMPTY_HARD_STATE } from './types.ts';

/**
 * The stable part of the log, read by the core and written by the application (persist a Ready,
 * then advance). Indexes below firstIndex() are compacted into snapshot().
 */
export interface RaftStorage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at least one if any, then more while their data stays within sizeBytesMax. */
  entries(lo: number, hi: number, sizeBytesMax: number): Entry[];
  /** The term at index i for firstIndex()-1 <= i <= lastIndex(); undefined outside (compacted or not yet written). */
  term(i: number): number | undefined;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export const EMPTY_SNAPSHOT: Snapshot = { meta: { index: 0, term: 0, conf: { voters: [], learners: [] } }, data: new Uint8Array() };

/** Takes entries from the front while their data stays within the budget; always keeps the first. */
export function limitSize(entries: Entry[], sizeBytesMax: number): Entry[] {
  let sizeBytes = 0;
  for (let i = 0; i < entries.length; i++) {
    sizeBytes += entries[i]!.data.byteLength;
    if (i > 0 && sizeBytes > sizeBytesMax) return entries.slice(0, i);
  }
  return entries;
}

/**
 * Storage held in memory: the simulator's "disk" (it survives a simulated crash, the node's
 * memory does not) and the reference for durable implementations.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot;
  /** entries[0] is a sentinel carrying the snapshot's index and term. */
  private ents: Entry[];

  constructor(conf: ConfState = { voters: [], learners: [] }) {
    this.snap = { meta: { index: 0, term: 0, conf }, data: new Uint8Array() };
    this.ents = [{ index: 0, term: 0, type: 'normal', data: new Uint8Array() }];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.snap.meta.conf };
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  private get offset(): number {
    return this.ents[0]!.index;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length - 1;
  }

  term(i: number): number | undefined {
    if (i < this.offset || i > this.lastIndex()) return undefined;
    return this.ents[i - this.offset]!.term;
  }

  entries(lo: number, hi: number, sizeBytesMax: number): Entry[] {
    invariant(lo > this.offset && hi <= this.lastIndex() + 1 && lo <= hi, 'storage entries out of range', { lo, hi, offset: this.offset, last: this.lastIndex() });
    return limitSize(this.ents.slice(lo - this.offset, hi - this.offset), sizeBytesMax);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces everything with a received snapshot; an older one than what is held is ignored. */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.meta.index <= this.snap.meta.index) return;
    this.snap = snapshot;
    this.ents = [{ index: snapshot.meta.index, term: snapshot.meta.term, type: 'normal', data: new Uint8Array() }];
  }

  /** Records the application's state at an applied index as the newest snapshot; entries stay until compact(). */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    invariant(index > this.snap.meta.index && index <= this.lastIndex(), 'snapshot index out of range', { index, last: this.lastIndex() });
    invariant(index <= this.hardState.commit, 'snapshot of an uncommitted index', { index, commit: this.hardState.commit });
    this.snap = { meta: { index, term: this.term(index)!, conf }, data };
    return this.snap;
  }

  /** Drops entries up to and including compactIndex, which must be covered by the snapshot. */
  compact(compactIndex: number): void {
    if (compactIndex <= this.offset) return;
    invariant(compactIndex <= this.snap.meta.index, 'compaction beyond the snapshot', { compactIndex, snapshotIndex: this.snap.meta.index });
    const head = this.ents[compactIndex - this.offset]!;
    this.ents = [{ index: head.index, term: head.term, type: 'normal', data: new Uint8Array() }, ...this.ents.slice(compactIndex - this.offset + 1)];
  }

  /** Appends entries, replacing any conflicting suffix (what a new leader overwrites). */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    invariant(first <= this.lastIndex() + 1, 'append leaves a gap', { first, last: this.lastIndex() });
    // Entries at or below the snapshot are already covered by it.
    const kept = entries.filter((e) => e.index > this.offset);
    if (kept.length === 0) return;
    this.ents = [...this.ents.slice(0, kept[0]!.index - this.offset), ...kept];
  }
}
