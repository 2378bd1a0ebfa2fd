import { invariant } from '../invariant.ts';
import { randomizedElectionTicks } from './election.ts';
import { RaftError } from './errors.ts';
import { RaftLog } from './log.ts';
import { applyConfChange, confChangeProblem, decodeConfChange, encodeConfChange, members } from './membership.ts';
import { RaftOptionsSchema, type RaftConfig, type RaftOptions } from './options.ts';
import { Progress } from './progress.ts';
import { voteResult } from './quorum.ts';
import type { RandomSource } from './random.ts';
import { ReadIndexQueue } from './read-index.ts';
import { bcastAppend, bcastHeartbeat, checkQuorumActive, handleReadIndex, maybeCommit, tickSnapshotProgress } from './replication.ts';
import { stepCandidate, stepFollower } from './step-follower.ts';
import { stepLeader } from './step-leader.ts';
import type { RaftStorage } from './storage.ts';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, RaftRole, ReadState, Snapshot } from './types.ts';

/**
 * The Raft state machine of one node. Input: step(message), tick(), propose…; output: the
 * `msgs` it queued and the log's unstable part, collected by RawNode into a Ready. No clock,
 * no I/O; randomness only from the source passed in.
 */
export class Raft {
  readonly id: NodeId;
  readonly config: RaftConfig;
  readonly log: RaftLog;
  private readonly random: RandomSource;

  term = 0;
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  role: RaftRole = 'follower';
  conf: ConfState;
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  readonly readIndex: ReadIndexQueue;
  readsBeforeFirstCommit: { ctx: string; from: NodeId }[] = [];

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTicks = 0;
  /** No new conf change is proposed until the log is applied past this index. */
  pendingConfIndex = 0;
  uncommittedSizeBytes = 0;
  /** Proposals since the last Ready: sent in one batch per follower when the Ready is built. */
  appendPending = false;

  constructor(storage: RaftStorage, options: RaftOptions, random: RandomSource) {
    this.config = RaftOptionsSchema.parse(options);
    this.id = this.config.id;
    this.random = random;
    this.log = new RaftLog(storage);
    this.readIndex = new ReadIndexQueue(this.config.readRequestsMax);
    const { hardState, confState } = storage.initialState();
    this.conf = confState;
    if (hardState.commit > 0) this.log.commitTo(hardState.commit);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (this.config.applied > this.log.applied) this.replayAppliedConf(this.config.applied);
    this.becomeFollower(this.term, null);
  }

  /** A restarted node with a durable state machine resumes with the membership as of what it applied. */
  private replayAppliedConf(applied: number): void {
    invariant(applied <= this.log.committed, 'applied beyond the stored commit index', { applied, committed: this.log.committed });
    const entries = this.log.slice(this.log.applied + 1, applied + 1, Number.MAX_SAFE_INTEGER);
    invariant(entries !== null, 'applied entries are compacted without a snapshot covering them');
    for (const e of entries) if (e.type === 'conf_change') this.conf = applyConfChange(this.conf, decodeConfChange(e.data));
    this.log.appliedTo(applied);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  promotable(): boolean {
    return this.conf.voters.includes(this.id);
  }

  /** The newest index both in the log and in storage: what this node may count as its own acknowledgement. */
  stableLastIndex(): number {
    if (this.log.unstable.snapshot) return this.log.storage.lastIndex();
    return Math.min(this.log.lastIndex(), this.log.unstable.offset - 1);
  }

  send(m: Message): void {
    invariant(m.to !== this.id, 'a node sends a message to itself', m);
    this.msgs.push(m);
  }

  // --- roles ---

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTicks = randomizedElectionTicks(this.random, this.config.electionTicks);
    this.votes.clear();
    this.pendingConfIndex = 0;
    this.uncommittedSizeBytes = 0;
    this.appendPending = false;
    this.readIndex.clear();
    this.readsBeforeFirstCommit = [];
    this.resetProgress();
  }

  private resetProgress(): void {
    const next = this.log.lastIndex() + 1;
    this.progress = new Map();
    for (const id of members(this.conf)) {
      const pr = new Progress(next, this.config.inflightMsgsMax, this.conf.learners.includes(id));
      if (id === this.id) pr.match = this.stableLastIndex();
      this.progress.set(id, pr);
    }
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    // Term and vote stay: a pre-vote changes nothing durable, which is what keeps it harmless.
    this.votes.clear();
    this.lead = null;
    this.role = 'pre_candidate';
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', 'a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    invariant(this.role === 'candidate', 'only a candidate becomes leader', { role: this.role });
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.progress.get(this.id)?.becomeReplicate();
    // Changes already in the log may be unapplied: allow no new one until they are.
    this.pendingConfIndex = this.log.lastIndex();
    // An entry of its own term lets the leader commit (and learn the commit index) promptly.
    this.appendEntries([{ type: 'normal', data: new Uint8Array() }]);
  }

  // --- input ---

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTicks) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    tickSnapshotProgress(this);
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum && !checkQuorumActive(this)) {
        this.becomeFollower(this.term, null);
        return;
      }
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this, this.readIndex.lastCtx());
    }
  }

  /** Starts an election unless this node must not: not a voter, or a membership it has not applied yet. */
  hup(): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.log.unstable.snapshot || this.hasUnappliedConfChange()) return;
    this.campaign(this.config.preVote ? 'pre_vote' : 'vote');
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const entries = this.log.slice(this.log.applied + 1, this.log.committed + 1, Number.MAX_SAFE_INTEGER);
    return entries !== null && entries.some((e) => e.type === 'conf_change');
  }

  campaign(kind: 'pre_vote' | 'vote'): void {
    if (kind === 'pre_vote') this.becomePreCandidate();
    else this.becomeCandidate();
    const term = kind === 'pre_vote' ? this.term + 1 : this.term;
    if (this.poll(this.id, true) === 'won') return;
    for (const to of this.conf.voters) {
      if (to === this.id) continue;
      this.send({ type: kind, from: this.id, to, term, lastLogIndex: this.log.lastIndex(), lastLogTerm: this.log.lastTerm() });
    }
  }

  /** Records one voter's answer and acts on the outcome. */
  poll(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    const result = voteResult(this.conf.voters, this.votes);
    if (result === 'won') {
      if (this.role === 'pre_candidate') this.campaign('vote');
      else this.becomeLeader();
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
    return result;
  }

  step(m: Message): void {
    invariant(m.to === this.id, 'message delivered to the wrong node', { to: m.to, id: this.id });
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre_vote') {
        // Check-quorum lease: while our leader is live, a disruptive candidate is ignored outright.
        const inLease = this.config.checkQuorum && this.lead !== null && this.electionElapsed < this.config.electionTicks;
        if (inLease) return;
      }
      if (m.type === 'pre_vote' || (m.type === 'pre_vote_resp' && !m.reject)) {
        // A pre-vote and its grant speak of a future term; they change nothing here.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.config.checkQuorum || this.config.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // A stale leader cut off by a partition would otherwise never learn the newer term.
        this.send({ type: 'append_resp', from: this.id, to: m.from, term: this.term, index: 0, reject: false, hintIndex: 0, hintTerm: 0 });
      } else if (m.type === 'pre_vote') {
        this.send({ type: 'pre_vote_resp', from: this.id, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'pre_vote') {
      const canVote = this.vote === m.from || (this.vote === null && this.lead === null) || (m.type === 'pre_vote' && m.term > this.term);
      const respType = m.type === 'vote' ? 'vote_resp' : 'pre_vote_resp';
      if (canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
        this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
        if (m.type === 'vote') {
          this.electionElapsed = 0;
          this.vote = m.from;
        }
      } else {
        this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
      }
      return;
    }

    if (this.role === 'leader') stepLeader(this, m);
    else if (this.role === 'follower') stepFollower(this, m);
    else stepCandidate(this, m);
  }

  // --- proposals and reads ---

  private appendEntries(entries: { type: Entry['type']; data: Uint8Array }[]): number {
    let index = this.log.lastIndex();
    const full = entries.map((e) => ({ index: ++index, term: this.term, type: e.type, data: e.data }));
    this.log.append(full);
    this.uncommittedSizeBytes += full.reduce((n, e) => n + e.data.byteLength, 0);
    this.appendPending = true;
    return index;
  }

  private requireLeader(): void {
    if (this.role !== 'leader') throw new RaftError('NOT_LEADER', `node ${this.id} is not the leader`, this.lead);
  }

  /** Appends normal entries; returns the index of the last. */
  propose(datas: readonly Uint8Array[]): number {
    this.requireLeader();
    invariant(datas.length > 0, 'an empty proposal');
    const sizeBytes = datas.reduce((n, d) => n + d.byteLength, 0);
    if (this.uncommittedSizeBytes > 0 && this.uncommittedSizeBytes + sizeBytes > this.config.uncommittedSizeBytesMax) {
      throw new RaftError('PROPOSAL_DROPPED', 'too much uncommitted data; retry once the log catches up', this.lead);
    }
    return this.appendEntries(datas.map((data) => ({ type: 'normal' as const, data })));
  }

  proposeConfChange(change: ConfChange): number {
    this.requireLeader();
    if (this.pendingConfIndex > this.log.applied) {
      throw new RaftError('CONF_CHANGE_PENDING', 'a membership change is still being applied', this.lead);
    }
    const problem = confChangeProblem(this.conf, change);
    if (problem !== null) throw new RaftError('CONF_CHANGE_INVALID', problem, this.lead);
    const index = this.appendEntries([{ type: 'conf_change', data: encodeConfChange(change) }]);
    this.pendingConfIndex = index;
    return index;
  }

  /** Asks for a read point named ctx; it comes back in a Ready's readStates once confirmed. */
  requestReadIndex(ctx: string): void {
    if (this.role === 'leader') {
      handleReadIndex(this, ctx, this.id);
      return;
    }
    if (this.lead === null) throw new RaftError('READ_INDEX_DROPPED', 'no known leader to confirm a read', null);
    this.send({ type: 'read_index', from: this.id, to: this.lead, term: this.term, ctx });
  }

  reportSnapshot(id: NodeId, ok: boolean): void {
    const pr = this.progress.get(id);
    if (this.role !== 'leader' || !pr || pr.state !== 'snapshot') return;
    if (!ok) pr.pendingSnapshot = 0;
    pr.becomeProbe();
    // Wait for the next heartbeat answer before probing, so a failing link is not flooded.
    pr.probeSent = true;
  }

  reportUnreachable(id: NodeId): void {
    const pr = this.progress.get(id);
    if (this.role === 'leader' && pr && pr.state === 'replicate') pr.becomeProbe();
  }

  // --- persistence and application feedback (from RawNode.advance) ---

  /** This node's own log reached storage: as leader, that counts as its acknowledgement. */
  onPersisted(): void {
    if (this.role !== 'leader') return;
    const self = this.progress.get(this.id);
    if (self && self.maybeUpdate(this.stableLastIndex()) && maybeCommit(this)) bcastAppend(this);
  }

  onApplied(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    for (const e of entries) if (e.type === 'conf_change') this.applyConf(decodeConfChange(e.data));
    this.log.appliedTo(entries[entries.length - 1]!.index);
    if (this.role === 'leader') {
      const sizeBytes = entries.reduce((n, e) => n + e.data.byteLength, 0);
      this.uncommittedSizeBytes = Math.max(0, this.uncommittedSizeBytes - sizeBytes);
    }
  }

  private applyConf(change: ConfChange): void {
    this.conf = applyConfChange(this.conf, change);
    const next = this.log.lastIndex() + 1;
    for (const id of [...this.progress.keys()]) if (!members(this.conf).includes(id)) this.progress.delete(id);
    for (const id of members(this.conf)) {
      const pr = this.progress.get(id) ?? new Progress(next, this.config.inflightMsgsMax, false);
      pr.isLearner = this.conf.learners.includes(id);
      this.progress.set(id, pr);
    }
    if (this.role !== 'leader') return;
    if (!this.promotable()) {
      // Removed (it cannot be demoted): leading a group it is no longer part of would be wrong.
      this.becomeFollower(this.term, null);
      return;
    }
    // A smaller quorum may commit at once; new members need their first append.
    if (maybeCommit(this)) bcastAppend(this);
    else this.appendPending = true;
  }

  /** Installs a leader's snapshot; false when it is old or already covered by the log. */
  restore(snapshot: Snapshot): boolean {
    const meta = snapshot.meta;
    if (meta.index <= this.log.committed) return false;
    // A snapshot taken before this node was added does not name it; it learns of itself from the entries after.
    if (this.log.matchTerm(meta.index, meta.term)) {
      this.log.commitTo(meta.index);
      return false;
    }
    this.log.restore(snapshot);
    this.conf = meta.conf;
    this.resetProgress();
    return true;
  }
}
