import { invariant } from '../invariant.ts';
import type { RaftOptions } from './options.ts';
import { Raft } from './raft.ts';
import type { RandomSource } from './random.ts';
import { bcastAppend } from './replication.ts';
import type { RaftStorage } from './storage.ts';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, RaftRole, ReadState, Snapshot } from './types.ts';

/**
 * One batch of work for the application, to be done in this order:
 * 1. persist snapshot (if any), then entries, then hardState (if any) — durably;
 * 2. send messages (several of them promise what step 1 made durable);
 * 3. apply committedEntries (and restore the snapshot first, if any), answer readStates once applied;
 * 4. call advance(ready).
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly messages: readonly Message[];
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
}

export interface RaftStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly lead: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
}

const sameHardState = (a: HardState, b: HardState): boolean => a.term === b.term && a.vote === b.vote && a.commit === b.commit;

/** The face of the Raft core: inputs as methods, outputs as Ready batches. */
export class RawNode {
  private readonly raft: Raft;
  private prevHardState: HardState;
  private outstanding: Ready | null = null;

  constructor(storage: RaftStorage, options: RaftOptions, random: RandomSource) {
    this.raft = new Raft(storage, options, random);
    this.prevHardState = storage.initialState().hardState;
  }

  tick(): void {
    this.raft.tick();
  }

  step(m: Message): void {
    this.raft.step(m);
  }

  /** Starts an election now (tests, or an operator handing over). */
  campaign(): void {
    this.raft.hup();
  }

  /** Appends normal entries as leader; throws RaftError NOT_LEADER / PROPOSAL_DROPPED. Returns the last entry's index. */
  propose(...datas: Uint8Array[]): number {
    return this.raft.propose(datas);
  }

  /** Throws RaftError NOT_LEADER / CONF_CHANGE_PENDING / CONF_CHANGE_INVALID. Returns the entry's index. */
  proposeConfChange(change: ConfChange): number {
    return this.raft.proposeConfChange(change);
  }

  /** A linearizable read point for ctx arrives later in readStates (or never, if leadership is lost: retry). */
  readIndex(ctx: string): void {
    this.raft.requestReadIndex(ctx);
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.reportSnapshot(id, ok);
  }

  reportUnreachable(id: NodeId): void {
    this.raft.reportUnreachable(id);
  }

  hasReady(): boolean {
    const r = this.raft;
    return (
      r.appendPending ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== null ||
      !sameHardState(r.hardState(), this.prevHardState) ||
      (r.log.unstable.snapshot === null && r.log.committed > r.log.applied)
    );
  }

  ready(): Ready {
    invariant(this.outstanding === null, 'ready() again before advance()');
    const r = this.raft;
    if (r.appendPending && r.role === 'leader') bcastAppend(r);
    r.appendPending = false;
    const hardState = r.hardState();
    const rd: Ready = {
      hardState: sameHardState(hardState, this.prevHardState) ? null : hardState,
      entries: [...r.log.unstable.entries],
      snapshot: r.log.unstable.snapshot,
      messages: r.msgs,
      committedEntries: r.log.nextCommittedEntries(r.config.applySizeBytesMax),
      readStates: r.readStates,
    };
    r.msgs = [];
    r.readStates = [];
    this.prevHardState = hardState;
    this.outstanding = rd;
    return rd;
  }

  /**
   * Removes and returns the heartbeats and heartbeat responses waiting for the next Ready, of
   * `durableTerm` only. They promise nothing about the log, so they may leave while the previous
   * Ready is still being persisted: a long write must not starve a leader's heartbeats (followers
   * would campaign) nor a follower's answers (check-quorum would depose the leader). One of a term
   * that is not durable yet waits for its Ready like any other message.
   */
  takeHeartbeats(durableTerm: number): Message[] {
    const r = this.raft;
    const taken: Message[] = [];
    const kept: Message[] = [];
    for (const m of r.msgs) {
      if ((m.type === 'heartbeat' || m.type === 'heartbeat_resp') && m.term === durableTerm) taken.push(m);
      else kept.push(m);
    }
    if (taken.length > 0) r.msgs = kept;
    return taken;
  }

  /** The application finished the Ready: what it persisted is stable, what it applied is applied. */
  advance(rd: Ready): void {
    invariant(this.outstanding === rd, 'advance() with a Ready that is not the outstanding one');
    this.outstanding = null;
    const log = this.raft.log;
    if (rd.snapshot) {
      log.unstable.stableSnapshotTo(rd.snapshot.meta.index);
      log.appliedTo(rd.snapshot.meta.index);
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last) log.unstable.stableTo(last.index, last.term);
    this.raft.onPersisted();
    this.raft.onApplied(rd.committedEntries);
  }

  status(): RaftStatus {
    const r = this.raft;
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      lead: r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      conf: r.conf,
    };
  }

  /** The term at index i in this node's log (memory and storage), undefined if compacted or absent. */
  term(i: number): number | undefined {
    return this.raft.log.term(i);
  }

  /** Entries [lo, hi) of this node's log; null when lo is compacted. */
  entries(lo: number, hi: number): Entry[] | null {
    return this.raft.log.slice(lo, hi, Number.MAX_SAFE_INTEGER);
  }

  /** Per-follower replication state, for status pages and tests. */
  progress(): ReadonlyMap<NodeId, { match: number; next: number; state: string; inflights: number }> {
    const out = new Map<NodeId, { match: number; next: number; state: string; inflights: number }>();
    for (const [id, pr] of this.raft.progress) out.set(id, { match: pr.match, next: pr.next, state: pr.state, inflights: pr.inflights.count() });
    return out;
  }
}
