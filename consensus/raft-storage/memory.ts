import { MemoryStorage, type ConfState, type Entry, type HardState, type Snapshot } from '../raft/index.ts';
import { applyPlan, planWrite } from './plan.ts';
import type { PersistentRaftStorage, RaftWrite } from './types.ts';

/**
 * The persistent interface over MemoryStorage: nothing survives the process, but a node (or a
 * test) drives it exactly as it drives the database-backed storage. Reopening hands back the
 * same MemoryStorage, as a disk would.
 */
export class MemoryPersistentStorage implements PersistentRaftStorage {
  constructor(readonly disk: MemoryStorage = new MemoryStorage()) {}

  initialState(): { hardState: HardState; confState: ConfState } {
    return this.disk.initialState();
  }

  entries(lo: number, hi: number, sizeBytesMax: number): Entry[] {
    return this.disk.entries(lo, hi, sizeBytesMax);
  }

  term(i: number): number | undefined {
    return this.disk.term(i);
  }

  firstIndex(): number {
    return this.disk.firstIndex();
  }

  lastIndex(): number {
    return this.disk.lastIndex();
  }

  snapshot(): Snapshot {
    return this.disk.snapshot();
  }

  async persist(write: RaftWrite): Promise<void> {
    // The same checks as the database-backed storage, so both refuse the same writes.
    applyPlan(this.disk, planWrite(this.disk, write));
  }

  async createSnapshot(index: number, conf: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.disk.createSnapshot(index, conf, data);
  }

  async compact(index: number): Promise<void> {
    this.disk.compact(index);
  }

  async close(): Promise<void> {}
}
