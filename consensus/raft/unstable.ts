import { invariant } from '../invariant.ts';
import type { Entry, Snapshot } from './types.ts';

/**
 * The log tail not yet handed to storage: entries from `offset` on and perhaps an incoming
 * snapshot. A Ready carries them out; advance() marks what the application persisted.
 */
export class UnstableLog {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  maybeFirstIndex(): number | undefined {
    return this.snapshot ? this.snapshot.meta.index + 1 : undefined;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot ? this.snapshot.meta.index : undefined;
  }

  maybeTerm(i: number): number | undefined {
    if (i < this.offset) return this.snapshot && this.snapshot.meta.index === i ? this.snapshot.meta.term : undefined;
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset]!.term;
  }

  /** Entries up to (i, t) reached storage; a mismatched term means they were replaced meanwhile, so keep them. */
  stableTo(i: number, t: number): void {
    if (this.maybeTerm(i) !== t || i < this.offset) return;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
  }

  stableSnapshotTo(i: number): void {
    if (this.snapshot && this.snapshot.meta.index === i) this.snapshot = null;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.meta.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  truncateAndAppend(entries: readonly Entry[]): void {
    const after = entries[0]!.index;
    if (after === this.offset + this.entries.length) {
      this.entries.push(...entries);
    } else if (after <= this.offset) {
      // The whole unstable tail is replaced; storage below `after` gets truncated when these persist.
      this.offset = after;
      this.entries = [...entries];
    } else {
      this.entries = [...this.entries.slice(0, after - this.offset), ...entries];
    }
    invariant(this.entries.every((e, k) => e.index === this.offset + k), 'unstable entries are not contiguous');
  }

  slice(lo: number, hi: number): Entry[] {
    invariant(lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi, 'unstable slice out of range', { lo, hi, offset: this.offset });
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
