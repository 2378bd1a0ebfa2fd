import type { Logger } from '../../runtime/logger.ts';
import { AppError } from '../../runtime/errors.ts';
import { isInvariantViolation } from '../invariant.ts';
import { bootstrapState, RaftError, RawNode, type ConfChange, type Entry, type HardState, type Message, type RaftStatus, type RandomSource } from '../raft/index.ts';
import type { PersistentRaftStorage } from '../raft-storage/index.ts';
import type { PeerTransport } from '../transport/types.ts';
import type { EngineMachine } from './engine-machine.ts';
import type { ClusterMember } from '../../schemas/index.ts';
import { PendingProposals, type ProposalWaiter } from './pending-proposals.ts';
import { PendingReads } from './pending-reads.ts';

export interface RaftEngineOptions<R> {
  selfId: string;
  /** The founding membership: written into an empty log, ignored once the log has one. */
  founders: readonly ClusterMember[];
  storage: PersistentRaftStorage;
  machine: EngineMachine<R>;
  transport: PeerTransport;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  /** A snapshot of the ledger is taken every this many applied entries, and the log compacted behind it. */
  snapshotEveryEntries: number;
  /** Entries kept behind a snapshot so a briefly lagging follower catches up from the log, not a snapshot. */
  compactKeepEntries: number;
  readsMax: number;
  readTimeoutMs: number;
  logger: Logger;
  random: RandomSource;
  /** After each Ready is handled: proposals may have applied, leadership or membership may have changed. */
  onAdvance(): void;
  /** The engine stopped on an error it cannot continue after (storage failed, invariant); the owner reopens it. */
  onFailure(error: unknown): void;
}

/** Committed entries handed to the applier and not yet applied; beyond it the Ready loop waits for it. */
const APPLY_BACKLOG_ENTRIES_MAX = 64;

/**
 * One Raft node around the pure core: a tick timer, inbound messages, and the loop that handles
 * each Ready in order — persist, send, queue the committed entries, advance. Only one Ready is in
 * hand at a time, so proposals and messages arriving meanwhile batch into the next one (group
 * commit). Committed entries are applied by a second loop, in order, so executing and storing a
 * block never holds up the next append's acknowledgement (as etcd's server does it); the read
 * index and snapshots follow what that loop has applied, not what the core has handed out.
 */
export class RaftEngine<R> {
  readonly raw: RawNode;
  private readonly proposals = new PendingProposals<R>();
  private readonly reads: PendingReads;
  private readonly ticker: NodeJS.Timeout;
  private draining: Promise<void> | null = null;
  private readonly applyQueue: Entry[] = [];
  private applying: Promise<void> | null = null;
  /** Term and vote as last written to storage. */
  private durableHardState: HardState;
  /** The newest entry the state machine has applied (the core's own applied index may be ahead). */
  private appliedIndex: number;
  private stopped = false;
  private lastSnapshotIndex: number;

  private constructor(private readonly options: RaftEngineOptions<R>) {
    const { storage, machine } = options;
    const applied = Math.max(machine.applied, storage.snapshot().meta.index);
    this.raw = new RawNode(
      storage,
      { id: options.selfId, electionTicks: options.electionTicks, heartbeatTicks: options.heartbeatTicks, applied },
      options.random,
    );
    this.lastSnapshotIndex = storage.snapshot().meta.index;
    this.appliedIndex = applied;
    this.durableHardState = storage.initialState().hardState;
    this.reads = new PendingReads(options.selfId, options.readsMax, options.readTimeoutMs);
    this.ticker = setInterval(() => {
      this.raw.tick();
      this.kick();
      this.sendHeartbeatsNow();
    }, options.tickMs);
  }

  static async start<R>(options: RaftEngineOptions<R>): Promise<RaftEngine<R>> {
    const { storage, founders } = options;
    if (storage.lastIndex() === 0 && storage.snapshot().meta.index === 0) {
      const conf = {
        voters: founders.filter((m) => m.role === 'voter').map((m) => m.id),
        learners: founders.filter((m) => m.role === 'learner').map((m) => m.id),
      };
      await storage.persist(bootstrapState(conf));
    }
    const engine = new RaftEngine(options);
    engine.kick();
    return engine;
  }

  status(): RaftStatus {
    return this.raw.status();
  }

  /** Newest entry applied to the state machine. */
  get applied(): number {
    return this.appliedIndex;
  }

  get proposalsInFlight(): number {
    return this.proposals.size;
  }

  receive(messages: readonly Message[]): void {
    if (this.stopped) return;
    for (const m of messages) this.raw.step(m);
    this.kick();
    this.sendHeartbeatsNow();
  }

  /** While a Ready is being persisted, heartbeats and their answers leave at once instead of waiting behind the write. */
  private sendHeartbeatsNow(): void {
    if (this.draining === null || this.stopped) return;
    const heartbeats = this.raw.takeHeartbeats(this.durableHardState.term);
    if (heartbeats.length > 0) this.options.transport.send(heartbeats);
  }

  /** Proposes one entry as leader (throws RaftError NOT_LEADER / PROPOSAL_DROPPED); the waiter hears how it ended. */
  propose(data: Uint8Array, proposalId: string, waiter: ProposalWaiter<R>): void {
    const index = this.raw.propose(data);
    this.proposals.add(index, this.raw.status().term, proposalId, waiter);
    this.kick();
  }

  /** Throws RaftError NOT_LEADER / CONF_CHANGE_PENDING / CONF_CHANGE_INVALID. */
  proposeConfChange(change: ConfChange): number {
    const index = this.raw.proposeConfChange(change);
    this.kick();
    return index;
  }

  /** Resolves once this node has applied everything committed when the read was asked (ReadIndex). */
  async linearizableRead(): Promise<number> {
    const { ctx, point } = this.reads.open();
    try {
      this.raw.readIndex(ctx);
    } catch (error) {
      // No leader known (an election is under way): the read is refused now, retryable, not left to time out.
      if (!(error instanceof RaftError)) throw error;
      this.reads.fail(ctx, new AppError('UNAVAILABLE', `${error.message}; try again`, { retryAfterS: 1, cause: error }));
    }
    this.kick();
    return point;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    await this.draining;
    await this.applierIdle();
    const closing = new AppError('UNAVAILABLE', 'the consensus node is stopping', { retryAfterS: 1 });
    this.proposals.failAll(closing);
    this.reads.failAll(closing);
  }

  private kick(): void {
    if (this.draining !== null || this.stopped || !this.raw.hasReady()) return;
    this.draining = this.drain()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.draining = null;
        this.kick();
      });
  }

  private async drain(): Promise<void> {
    const { storage, machine, transport } = this.options;
    while (!this.stopped && this.raw.hasReady()) {
      const rd = this.raw.ready();
      // A snapshot replaces the state the applier builds on: let it finish first.
      if (rd.snapshot !== null) await this.applierIdle();
      // A leader's appends may leave before its own write (Raft thesis 10.2.1): the core counts the
      // leader toward a commit only once advance() says its log is durable. Anything that promises a
      // new term or vote waits for the write, as it must.
      const sendFirst = this.raw.status().role === 'leader' && !this.changesTermOrVote(rd.hardState);
      if (sendFirst) transport.send(rd.messages);
      await storage.persist(rd);
      if (rd.hardState !== null) this.durableHardState = rd.hardState;
      if (rd.snapshot !== null) {
        await machine.restore(rd.snapshot.meta.index, rd.snapshot.data);
        this.appliedIndex = rd.snapshot.meta.index;
      }
      if (!sendFirst) transport.send(rd.messages);
      for (const rs of rd.readStates) this.reads.confirmed(rs.ctx, rs.index);
      this.enqueueApply(rd.committedEntries);
      this.raw.advance(rd);
      this.reads.appliedTo(this.appliedIndex);
      this.proposals.dropReplaced((i) => this.raw.term(i), replacedError());
      this.options.onAdvance();
      // Bounded backlog: a machine slower than the log holds the loop (and so the group) back.
      if (this.applyQueue.length > APPLY_BACKLOG_ENTRIES_MAX) await this.applierIdle();
    }
  }

  private changesTermOrVote(hardState: HardState | null): boolean {
    return hardState !== null && (hardState.term !== this.durableHardState.term || hardState.vote !== this.durableHardState.vote);
  }

  private enqueueApply(entries: readonly Entry[]): void {
    this.applyQueue.push(...entries);
    this.startApplier();
  }

  private startApplier(): void {
    if (this.applying !== null || this.applyQueue.length === 0 || this.stopped) return;
    this.applying = this.runApplier()
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.applying = null;
        // Entries queued between the loop's last check and here.
        this.startApplier();
      });
  }

  private async applierIdle(): Promise<void> {
    while (this.applying !== null) await this.applying;
  }

  private async runApplier(): Promise<void> {
    while (this.applyQueue.length > 0 && !this.stopped) {
      const entry = this.applyQueue.shift()!;
      await this.apply(entry);
      this.appliedIndex = entry.index;
      this.reads.appliedTo(entry.index);
      if (this.applyQueue.length === 0) {
        await this.maybeSnapshot();
        this.options.onAdvance();
      }
    }
  }

  private async apply(entry: Entry): Promise<void> {
    const { machine } = this.options;
    if (entry.type !== 'normal' || entry.data.length === 0) {
      // Membership changes take effect in the core; an empty entry is a new leader's first.
      machine.skip(entry.index);
      this.proposals.applied(entry.index, null, null, replacedError());
      return;
    }
    const applied = await machine.apply(entry);
    this.proposals.applied(entry.index, applied.proposalId, applied.result, replacedError());
  }

  /** Only when the machine has caught up with the core: then the core's membership is the one at `applied`. */
  private async maybeSnapshot(): Promise<void> {
    const { storage, machine, snapshotEveryEntries, compactKeepEntries } = this.options;
    const applied = this.appliedIndex;
    if (applied - this.lastSnapshotIndex < snapshotEveryEntries || this.raw.status().applied !== applied) return;
    await storage.createSnapshot(applied, this.raw.status().conf, machine.snapshot());
    this.lastSnapshotIndex = applied;
    const compactTo = applied - compactKeepEntries;
    if (compactTo > storage.firstIndex()) await storage.compact(compactTo);
  }

  private fail(error: unknown): void {
    if (this.stopped) return;
    this.options.logger.error({ err: error, invariant: isInvariantViolation(error) }, 'consensus engine stopped');
    this.stopped = true;
    clearInterval(this.ticker);
    const failed = new AppError('UNAVAILABLE', 'the consensus node is recovering', { retryAfterS: 1 });
    this.proposals.failAll(failed);
    this.reads.failAll(failed);
    this.options.onFailure(error);
  }
}

function replacedError(): AppError {
  return new AppError('UNAVAILABLE', 'leadership changed before the batch was committed; deliver again', { retryAfterS: 1 });
}
