import type { ConfState, Entry, HardState, RaftStorage, Snapshot } from '../raft/index.ts';

/** What one Ready asks to make durable, written together or not at all. */
export interface RaftWrite {
  readonly hardState?: HardState | null | undefined;
  readonly entries?: readonly Entry[] | undefined;
  readonly snapshot?: Snapshot | null | undefined;
}

/**
 * A RaftStorage the application writes to: the core reads it synchronously, the application
 * awaits each write before it sends the Ready's messages. Writes apply in call order.
 */
export interface PersistentRaftStorage extends RaftStorage {
  /** Makes a Ready's snapshot, entries and hard state durable; reads see them only once this resolves. */
  persist(write: RaftWrite): Promise<void>;
  /** Records the application's state at an applied, committed index as the newest snapshot. */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Promise<Snapshot>;
  /** Drops entries up to and including index, which the snapshot must cover. */
  compact(index: number): Promise<void>;
  close(): Promise<void>;
}
