import type { ConfState, Entry, HardState, MemoryStorage, RaftStorage, Snapshot } from '../raft/index.ts';

/** The core's synchronous reads, answered from a MemoryStorage that holds only what is durable. */
export abstract class MirrorReads implements RaftStorage {
  protected constructor(protected readonly mirror: MemoryStorage) {}

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.mirror.initialState();
  }

  entries(lo: number, hi: number, sizeBytesMax: number): Entry[] {
    return this.mirror.entries(lo, hi, sizeBytesMax);
  }

  term(i: number): number | undefined {
    return this.mirror.term(i);
  }

  firstIndex(): number {
    return this.mirror.firstIndex();
  }

  lastIndex(): number {
    return this.mirror.lastIndex();
  }

  snapshot(): Snapshot {
    return this.mirror.snapshot();
  }
}
