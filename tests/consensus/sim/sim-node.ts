import { decodeConfChange, MemoryStorage, RawNode, type RaftOptions, type Ready } from '../../../consensus/raft/index.ts';
import type { SafetyChecker } from './checkers.ts';
import { CounterMachine } from './kv.ts';
import type { Prng } from './prng.ts';

/** A read waiting for its index to be applied before it may be answered. */
export interface PendingRead {
  ctx: string;
  client: string;
  /** The client's highest acknowledged request when the read was issued: the answer may not be older. */
  seqAtLeast: number;
  index: number | null;
}

export interface ReadAnswer {
  read: PendingRead;
  seq: number;
}

/**
 * One simulated server: the Raft node and state machine in memory (lost on a crash) over a
 * MemoryStorage that plays the disk (kept). Readies are handled whole: persist, send, apply,
 * advance; the window between a node's input and its next Ready is the unsynced state a
 * crash loses.
 */
export class SimNode {
  readonly id: string;
  readonly storage: MemoryStorage;
  raw: RawNode | null = null;
  machine = new CounterMachine();
  /** Ticks per round: clock drift between nodes. */
  tickRate = 1;
  private tickDebt = 0;
  reads: PendingRead[] = [];
  private readonly options: Omit<RaftOptions, 'id'>;
  private readonly random: Prng;
  snapshotEvery: number;
  compactKeep: number;

  constructor(id: string, storage: MemoryStorage, options: Omit<RaftOptions, 'id'>, random: Prng) {
    this.id = id;
    this.storage = storage;
    this.options = options;
    this.random = random;
    this.snapshotEvery = random.between(5, 60);
    this.compactKeep = random.between(0, 20);
    this.start();
  }

  get up(): boolean {
    return this.raw !== null;
  }

  private start(): void {
    this.raw = new RawNode(this.storage, { ...this.options, id: this.id }, this.random.fork());
    // The state machine lives in memory: it comes back from the snapshot and replays the log.
    this.machine = CounterMachine.decode(this.storage.snapshot().data);
  }

  /** Loses everything in memory; with a torn write, part of the unsynced entries did reach the disk. */
  crash(tornWrite: boolean): void {
    const raw = this.raw;
    if (!raw) return;
    if (tornWrite && raw.hasReady()) {
      const rd = raw.ready();
      if (!rd.snapshot && rd.entries.length > 0) this.storage.append(rd.entries.slice(0, this.random.intBelow(rd.entries.length + 1)));
    }
    this.raw = null;
    this.reads = [];
    this.tickDebt = 0;
  }

  restart(): void {
    if (!this.raw) this.start();
  }

  ticksThisRound(): number {
    this.tickDebt += this.tickRate;
    const ticks = Math.floor(this.tickDebt);
    this.tickDebt -= ticks;
    return ticks;
  }

  /** Handles one Ready; returns its messages for the network (sent only after the persist above). */
  handleReady(checker: SafetyChecker): Ready['messages'] {
    const raw = this.raw!;
    const rd = raw.ready();
    if (rd.snapshot) {
      this.storage.applySnapshot(rd.snapshot);
      this.machine = CounterMachine.decode(rd.snapshot.data);
      checker.onRestore(this.id, rd.snapshot.meta.index, this.machine.digest);
    }
    checker.onPersist(this.id, raw, rd.entries);
    this.storage.append(rd.entries);
    if (rd.hardState) this.storage.setHardState(rd.hardState);
    for (const e of rd.committedEntries) {
      if (e.type === 'normal') this.machine.apply(e.index, e.data);
      else {
        const change = decodeConfChange(e.data);
        this.machine.applyOther(e.index, `${change.type}:${change.nodeId}`);
      }
      checker.onApply(this.id, e, this.machine.digest);
    }
    for (const rs of rd.readStates) {
      const read = this.reads.find((r) => r.ctx === rs.ctx);
      if (read) read.index = rs.index;
    }
    raw.advance(rd);
    this.maybeSnapshot();
    return rd.messages;
  }

  private maybeSnapshot(): void {
    const { applied, conf } = this.raw!.status();
    if (applied - this.storage.snapshot().meta.index < this.snapshotEvery) return;
    this.storage.createSnapshot(applied, conf, this.machine.encode());
    this.storage.compact(Math.max(0, applied - this.compactKeep));
  }

  /** Reads whose index is applied, answered from the state machine now. */
  answerReads(): ReadAnswer[] {
    if (!this.raw) return [];
    const applied = this.raw.status().applied;
    const ready = this.reads.filter((r) => r.index !== null && r.index <= applied);
    if (ready.length === 0) return [];
    this.reads = this.reads.filter((r) => !ready.includes(r));
    return ready.map((read) => ({ read, seq: this.machine.seqs.get(read.client) ?? 0 }));
  }
}
