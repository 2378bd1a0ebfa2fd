import { MemoryStorage, type ConfState, type Snapshot } from '../raft/index.ts';
import { MirrorReads } from './mirror-reads.ts';
import { applyPlan, planWrite } from './plan.ts';
import type { PersistentRaftStorage, RaftWrite } from './types.ts';

/**
 * The persistent interface over MemoryStorage: nothing survives the process, but a node (or a
 * test) drives it exactly as it drives the database-backed storage. Reopening hands back the
 * same MemoryStorage, as a disk would.
 */
export class MemoryPersistentStorage extends MirrorReads implements PersistentRaftStorage {
  constructor(disk: MemoryStorage = new MemoryStorage()) {
    super(disk);
  }

  async persist(write: RaftWrite): Promise<void> {
    // The same checks as the database-backed storage, so both refuse the same writes.
    applyPlan(this.mirror, planWrite(this.mirror, write));
  }

  async createSnapshot(index: number, conf: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.mirror.createSnapshot(index, conf, data);
  }

  async compact(index: number): Promise<void> {
    this.mirror.compact(index);
  }

  async close(): Promise<void> {}
}
