import { asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { raftEntries, raftSnapshot, raftState } from '../../db/schema/consensus.ts';
import { invariant } from '../invariant.ts';
import type { ConfState, MemoryStorage, Snapshot } from '../raft/index.ts';
import { RaftStorageError } from './errors.ts';
import { MirrorReads } from './mirror-reads.ts';
import { applyPlan, planWrite, restoreMirror, type WritePlan } from './plan.ts';
import { SINGLE_ROW_ID, decodeLoaded, snapshotRow, stateRow } from './rows.ts';
import type { PersistentRaftStorage, RaftWrite } from './types.ts';

/** Rows per INSERT: 4 parameters a row stays far below Postgres' 65,535 parameters a statement. */
const ENTRY_ROWS_PER_STATEMENT_MAX = 4096;

export interface SqlRaftStorageOptions {
  /** Writes queued behind the running one before persist() refuses: the driving loop awaits each Ready. */
  writesPendingMax?: number;
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * The Raft log of one node in its own database (PGlite directory or Postgres schema, opened by
 * db/client.ts openDatabase with part 'consensus'). The core reads an in-memory mirror loaded on
 * open; each write goes to the database in one transaction and reaches the mirror only after its
 * commit, so nothing the core reads was ever less durable than the database makes it.
 *
 * Durability: every write runs with synchronous_commit on (set per transaction, whatever the
 * server's default), so on Postgres a resolved persist() is flushed to the WAL on disk (given the
 * server's fsync is on). On PGlite the commit is written through to the operating system before
 * the call resolves, but PGlite's Node filesystem has no fsync: the entry survives the process
 * being killed, not the machine losing power or crashing (see README, "Durability of the Raft log").
 */
export class SqlRaftStorage extends MirrorReads implements PersistentRaftStorage {
  private tail: Promise<void> = Promise.resolve();
  private writesPending = 0;
  private failure: RaftStorageError | null = null;
  private closed = false;

  private constructor(
    private readonly db: Database,
    mirror: MemoryStorage,
    private readonly writesPendingMax: number,
  ) {
    super(mirror);
  }

  /** Loads hard state, snapshot and the entries after the compaction point into memory. */
  static async open(db: Database, options: SqlRaftStorageOptions = {}): Promise<SqlRaftStorage> {
    const [state] = await db.select().from(raftState).where(eq(raftState.id, SINGLE_ROW_ID));
    const [snap] = await db.select().from(raftSnapshot).where(eq(raftSnapshot.id, SINGLE_ROW_ID));
    const compactedIndex = state?.compactedIndex ?? 0;
    const rows = await db.select().from(raftEntries).where(gt(raftEntries.index, compactedIndex)).orderBy(asc(raftEntries.index));
    const mirror = restoreMirror(decodeLoaded(state, snap, rows));
    return new SqlRaftStorage(db, mirror, options.writesPendingMax ?? 64);
  }

  persist(write: RaftWrite): Promise<void> {
    return this.enqueue(async () => {
      const plan = planWrite(this.mirror, write);
      if (plan.snapshot === null && plan.entries.length === 0 && plan.hardState === null) return;
      await this.transaction((tx) => this.writePlan(tx, plan));
      applyPlan(this.mirror, plan);
    });
  }

  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Promise<Snapshot> {
    return this.enqueue(async () => {
      const held = this.mirror;
      invariant(index > held.snapshot().meta.index && index <= held.lastIndex(), 'snapshot index out of range', { index, last: held.lastIndex() });
      invariant(index <= held.initialState().hardState.commit, 'snapshot of an uncommitted index', { index });
      const snapshot: Snapshot = { meta: { index, term: held.term(index)!, conf }, data };
      await this.transaction((tx) => upsertSnapshot(tx, snapshot));
      return held.createSnapshot(index, conf, data);
    });
  }

  compact(index: number): Promise<void> {
    return this.enqueue(async () => {
      const held = this.mirror;
      if (index < held.firstIndex()) return;
      invariant(index <= held.snapshot().meta.index, 'compaction beyond the snapshot', { index, snapshotIndex: held.snapshot().meta.index });
      const compacted = { index, term: held.term(index)! };
      await this.transaction(async (tx) => {
        await tx.delete(raftEntries).where(lte(raftEntries.index, index));
        await upsertState(tx, stateRow(held.initialState().hardState, compacted));
      });
      held.compact(index);
    });
  }

  /** Waits for queued writes, then refuses new ones; the database connection is the caller's to close. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  private async writePlan(tx: Transaction, plan: WritePlan): Promise<void> {
    const held = this.mirror;
    if (plan.snapshot) {
      // A received snapshot replaces the whole log, as MemoryStorage.applySnapshot does.
      await tx.delete(raftEntries);
      await upsertSnapshot(tx, plan.snapshot);
    }
    const head = plan.entries[0];
    if (head !== undefined) {
      if (plan.truncates) await tx.delete(raftEntries).where(gte(raftEntries.index, head.index));
      for (let k = 0; k < plan.entries.length; k += ENTRY_ROWS_PER_STATEMENT_MAX) {
        await tx.insert(raftEntries).values(plan.entries.slice(k, k + ENTRY_ROWS_PER_STATEMENT_MAX).map((e) => ({ index: e.index, term: e.term, type: e.type, data: e.data })));
      }
    }
    if (plan.hardState || plan.snapshot) {
      const compacted = plan.snapshot
        ? { index: plan.snapshot.meta.index, term: plan.snapshot.meta.term }
        : { index: held.firstIndex() - 1, term: held.term(held.firstIndex() - 1)! };
      await upsertState(tx, stateRow(plan.hardState ?? held.initialState().hardState, compacted));
    }
  }

  /** One transaction, committed synchronously whatever the server's or session's default. */
  private async transaction(work: (tx: Transaction) => Promise<void>): Promise<void> {
    try {
      await this.db.transaction(async (tx) => {
        await tx.execute(sql`set local synchronous_commit = on`);
        await work(tx);
      });
    } catch (err) {
      throw new RaftStorageError('RAFT_STORAGE_WRITE_FAILED', 'raft storage write failed', { cause: err });
    }
  }

  /**
   * Runs writes one after another in call order. A failed write leaves the mirror as it was but
   * makes the storage refuse every later one: those may build on it, and the node must restart
   * from what is on disk.
   */
  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new RaftStorageError('RAFT_STORAGE_CLOSED', 'raft storage is closed'));
    if (this.writesPending >= this.writesPendingMax) {
      return Promise.reject(new RaftStorageError('RAFT_STORAGE_BUSY', `more than ${this.writesPendingMax} raft storage writes pending`));
    }
    this.writesPending++;
    const run = this.tail.then(async () => {
      if (this.failure) throw this.failure;
      try {
        return await work();
      } catch (err) {
        if (err instanceof RaftStorageError && err.code === 'RAFT_STORAGE_WRITE_FAILED') this.failure = err;
        throw err;
      } finally {
        this.writesPending--;
      }
    });
    this.tail = run.then(
      () => {},
      () => {},
    );
    return run;
  }
}

async function upsertState(tx: Transaction, row: ReturnType<typeof stateRow>): Promise<void> {
  const { id: _id, ...set } = row;
  await tx.insert(raftState).values(row).onConflictDoUpdate({ target: raftState.id, set });
}

async function upsertSnapshot(tx: Transaction, snapshot: Snapshot): Promise<void> {
  const row = snapshotRow(snapshot);
  const { id: _id, ...set } = row;
  await tx.insert(raftSnapshot).values(row).onConflictDoUpdate({ target: raftSnapshot.id, set });
}
