import { randomInt, randomUUID } from 'node:crypto';
import type { Database } from '../../db/client.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { ConsensusMember, ConsensusStatus, Transaction } from '../../schemas/index.ts';
import { txHashOf, type PendingTx, type TxOutcome } from '../chain/index.ts';
import type { NodeSigner } from '../crypto/signer.ts';
import { eventKey, readEventRecord } from '../ledger/index.ts';
import type { CommitResult, Consensus } from '../node/consensus.ts';
import { failEntry, Mempool, settleEntry, type MempoolEntry } from '../node/mempool.ts';
import { RaftError, type ConfChange, type Message } from '../raft/index.ts';
import { SqlRaftStorage } from '../raft-storage/index.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import type { PeerMessage, PeerTransport } from '../transport/types.ts';
import { encodeBatch } from './batch-codec.ts';
import { COSIGN_REOFFER_BLOCKS, CosignRelay } from './cosign-relay.ts';
import { LedgerMachine } from './ledger-machine.ts';
import { LeaderForwarder } from './leader-forwarder.ts';
import type { ClusterMember } from '../../schemas/index.ts';
import type { ProposalWaiter } from './pending-proposals.ts';
import { RaftEngine } from './raft-engine.ts';

export interface ReplicatedConsensusOptions {
  selfId: string;
  founders: readonly ClusterMember[];
  database: Database;
  repository: ConsensusRepository;
  signer: NodeSigner;
  transport: PeerTransport;
  chainId: string;
  clusterSecret: string;
  blockTxsMax: number;
  mempoolTxsMax: number;
  /** Batches proposed and not yet applied; more waits in the mempool (flow control toward Raft). */
  proposalsInFlightMax: number;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  snapshotEveryEntries: number;
  compactKeepEntries: number;
  forwardTimeoutMs: number;
  readTimeoutMs: number;
  logger: Logger;
}

/** Pause before reopening an engine that failed, doubling to the cap while it keeps failing. */
const RECOVER_DELAY_MS_MIN = 500;
const RECOVER_DELAY_MS_MAX = 10_000;
const LINEARIZABLE_READS_MAX = 10_000;

/**
 * The Consensus seam over a Raft group: the leader batches its mempool into log entries; every
 * other member forwards what it is given to the leader. Each member applies committed batches
 * into the same blocks and co-signs them. An engine that fails (storage down, invariant) is
 * reopened from storage by itself, with backoff; meanwhile the node answers 503.
 */
export class ReplicatedConsensus implements Consensus {
  private engine: RaftEngine<TxOutcome[]> | null = null;
  private machine!: LedgerMachine;
  private readonly mempool: Mempool;
  private readonly forwarder: LeaderForwarder;
  private readonly cosign: CosignRelay;
  private proposeScheduled = false;
  private readonly blockListeners: ((txCount: number) => void)[] = [];
  private recoverTimer: NodeJS.Timeout | null = null;
  private recoverDelayMs = RECOVER_DELAY_MS_MIN;
  private closed = false;
  private proposalSeq = 0;
  /** Transactions in proposed batches not yet applied (counted as pending in status). */
  private transactionsProposed = 0;
  private readonly bootId = randomUUID().slice(0, 8);
  /** Membership of the group as the core last reported it (changes go through the log). */
  private members: { voters: readonly string[]; learners: readonly string[] };

  private constructor(private readonly options: ReplicatedConsensusOptions) {
    // Admission of user transactions reads the ledger this node applied (it matters only while leader).
    this.mempool = new Mempool(options.mempoolTxsMax, { state: { get: (key) => this.machine.stateValue(key) }, chainId: options.chainId });
    this.forwarder = new LeaderForwarder({ clusterSecret: options.clusterSecret, timeoutMs: options.forwardTimeoutMs });
    this.members = {
      voters: options.founders.filter((m) => m.role === 'voter').map((m) => m.id),
      learners: options.founders.filter((m) => m.role === 'learner').map((m) => m.id),
    };
    this.cosign = new CosignRelay(options.selfId, options.signer, options.repository, options.transport, options.logger, () => this.members);
  }

  static async start(options: ReplicatedConsensusOptions): Promise<ReplicatedConsensus> {
    const consensus = new ReplicatedConsensus(options);
    await consensus.open();
    return consensus;
  }

  /** Messages from peers, already authenticated by the transport. */
  receive(from: string, messages: readonly PeerMessage[]): void {
    const raft: Message[] = [];
    for (const m of messages) {
      if (m.type === 'cosign') {
        this.cosign.received(m, this.machine.headBlock.header.height).catch((err: unknown) => this.options.logger.error({ err }, 'filing a co-signature failed'));
      } else raft.push(m);
    }
    if (raft.length > 0) this.engine?.receive(raft);
    // The transport already refused any message whose sender is not the authenticated peer.
    this.cosign.heardFrom(from);
  }

  /** A peer answers again after failed requests: it missed the co-signatures sent meanwhile. */
  peerReachable(id: string): void {
    this.cosign.reoffer(id);
  }

  /** The transport dropped messages to a peer: the core stops pipelining to it until it answers. */
  peerUnreachable(id: string): void {
    this.cosign.unreachable(id);
    this.engine?.raw.reportUnreachable(id);
  }

  async submit(txs: readonly Transaction[]): Promise<CommitResult[]> {
    const engine = this.liveEngine();
    const status = engine.status();
    if (status.role === 'leader') return this.submitAsLeader(txs);
    const leader = status.lead === null ? undefined : this.urlOf(status.lead);
    if (leader === undefined) throw new AppError('UNAVAILABLE', 'no leader is known right now; deliver again', { retryAfterS: 1 });
    return this.forwarder.submit(leader, txs);
  }

  /** A forwarded batch: taken only as leader, never forwarded again (no loops between stale views). */
  async submitAsLeader(txs: readonly Transaction[]): Promise<CommitResult[]> {
    const engine = this.liveEngine();
    if (engine.status().role !== 'leader') throw new AppError('UNAVAILABLE', 'this node is not the leader; deliver again', { retryAfterS: 1 });
    const answered = new Map<number, CommitResult>();
    const queued: PendingTx[] = [];
    const queuedAt = new Map<number, number>();
    txs.forEach((tx, i) => {
      const applied = tx.type === 'attest' ? readEventRecord(this.machine.stateValue(eventKey(tx.event.id))) : undefined;
      if (applied !== undefined) answered.set(i, { kind: 'duplicate', txHash: applied.txHash, height: applied.height });
      else {
        queuedAt.set(i, queued.length);
        queued.push({ tx, hash: txHashOf(tx) });
      }
    });
    const promises = this.mempool.add(queued);
    if (promises === null) {
      throw new AppError('MEMPOOL_FULL', `the mempool holds its maximum of ${this.options.mempoolTxsMax} transactions`, { retryAfterS: 1 });
    }
    this.scheduleProposals();
    return Promise.all(txs.map((_, i) => answered.get(i) ?? promises[queuedAt.get(i)!]!));
  }

  /** Waits until this node has applied everything committed before the call (a linearizable read point). */
  async readBarrier(): Promise<void> {
    await this.liveEngine().linearizableRead();
  }

  /** Proposes a membership change as leader (promote a business node, remove a member); returns its log index. */
  changeMembership(change: ConfChange): number {
    const engine = this.liveEngine();
    try {
      return engine.proposeConfChange(change);
    } catch (error) {
      if (!(error instanceof RaftError)) throw error;
      const status = error.code === 'NOT_LEADER' ? 503 : 409;
      const leaderUrl = error.leaderId === null ? undefined : this.urlOf(error.leaderId);
      throw new AppError(status === 503 ? 'UNAVAILABLE' : 'CONFLICT', error.message, {
        details: { raftCode: error.code, leaderUrl: leaderUrl ?? null },
        ...(status === 503 ? { retryAfterS: 1 } : {}),
      });
    }
  }

  status(): ConsensusStatus {
    const { signer, chainId, selfId } = this.options;
    const raft = this.engine?.status();
    const head = this.machine.headBlock;
    const isLearner = this.members.learners.includes(selfId);
    const progress = raft?.role === 'leader' ? this.engine?.raw.progress() : undefined;
    const lastIndex = raft?.lastIndex ?? 0;
    const member = (id: string, role: ConsensusMember['role']): ConsensusMember => {
      const nodeId = id === selfId ? signer.nodeId : this.cosign.signerIds([id])[0];
      const match = id === selfId && raft?.role === 'leader' ? lastIndex : progress?.get(id)?.match;
      return {
        id,
        role,
        ...(this.urlOf(id) === undefined ? {} : { url: this.urlOf(id) }),
        ...(nodeId === undefined ? {} : { nodeId }),
        ...(id === selfId ? { publicKey: signer.publicKeyHex, algorithm: signer.algorithm } : (this.cosign.keyOfMember(id) ?? {})),
        ...(match === undefined ? {} : { matchIndex: match, lag: Math.max(0, lastIndex - match) }),
      };
    };
    return {
      chainId,
      nodeId: signer.nodeId,
      role: isLearner ? 'learner' : raft === undefined ? 'follower' : raft.role === 'pre_candidate' ? 'candidate' : raft.role,
      leader: raft?.lead === null || raft === undefined ? null : (this.cosign.signerIds([raft.lead])[0] ?? null),
      leaderMemberId: raft?.lead ?? null,
      term: raft?.term ?? 0,
      height: head.header.height,
      lastHash: head.hash,
      commitIndex: raft?.commit ?? 0,
      appliedIndex: this.engine?.applied ?? this.machine.applied,
      members: [...this.members.voters.map((id) => member(id, 'voter')), ...this.members.learners.map((id) => member(id, 'learner'))],
      pendingTransactions: this.mempool.size + this.transactionsProposed,
    };
  }

  /**
   * The voters as finality counts them: each voter's signer node id, or a placeholder for a voter
   * that has not co-signed yet, which no signature matches but which still counts toward the majority.
   */
  voterSigners(): string[] {
    return this.members.voters.map((id) => this.cosign.signerIds([id])[0] ?? `unknown-member:${id}`);
  }

  onCommittedBlock(listener: (txCount: number) => void): void {
    this.blockListeners.push(listener);
  }

  pendingTransaction(txHash: string): Transaction | undefined {
    return this.mempool.get(txHash)?.tx;
  }

  health(): 'up' | 'down' {
    return this.engine === null ? 'down' : 'up';
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.recoverTimer !== null) clearTimeout(this.recoverTimer);
    await this.engine?.stop();
    this.engine = null;
    this.mempool.failAll(new AppError('UNAVAILABLE', 'the node is shutting down', { retryAfterS: 1 }));
    await this.forwarder.close();
  }

  private async open(): Promise<void> {
    const o = this.options;
    this.machine = await LedgerMachine.open(o.repository, o.signer, o.chainId, o.logger);
    this.machine.signsBlocks = () => this.members.voters.includes(o.selfId);
    this.machine.onBlock = (block) => {
      for (const listener of this.blockListeners) listener(block.txHashes.length);
      this.cosign.applied(block).catch((err: unknown) => o.logger.error({ err }, 'sending a co-signature failed'));
    };
    const head = this.machine.headBlock.header.height;
    this.cosign.resume(await o.repository.blocksFrom(Math.max(1, head - COSIGN_REOFFER_BLOCKS + 1), COSIGN_REOFFER_BLOCKS));
    const storage = await SqlRaftStorage.open(o.database);
    this.engine = await RaftEngine.start({
      selfId: o.selfId,
      founders: o.founders,
      storage,
      machine: this.machine,
      transport: o.transport,
      tickMs: o.tickMs,
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      snapshotEveryEntries: o.snapshotEveryEntries,
      compactKeepEntries: o.compactKeepEntries,
      readsMax: LINEARIZABLE_READS_MAX,
      readTimeoutMs: o.readTimeoutMs,
      logger: o.logger,
      random: { intBelow: (n) => randomInt(n) },
      onAdvance: () => {
        this.members = this.engine?.status().conf ?? this.members;
        this.scheduleProposals();
      },
      onFailure: () => this.recover(),
    });
    this.recoverDelayMs = RECOVER_DELAY_MS_MIN;
  }

  private recover(): void {
    this.engine = null;
    this.mempool.failAll(new AppError('UNAVAILABLE', 'the consensus node is recovering', { retryAfterS: 1 }));
    if (this.closed) return;
    const delay = this.recoverDelayMs;
    this.recoverDelayMs = Math.min(RECOVER_DELAY_MS_MAX, delay * 2);
    this.recoverTimer = setTimeout(() => {
      this.recoverTimer = null;
      this.open().catch((err: unknown) => {
        this.options.logger.error({ err, retryInMs: this.recoverDelayMs }, 'reopening the consensus node failed');
        this.recover();
      });
    }, delay);
  }

  private liveEngine(): RaftEngine<TxOutcome[]> {
    if (this.engine === null || this.closed) throw new AppError('UNAVAILABLE', 'the consensus node is recovering; try again', { retryAfterS: 1 });
    return this.engine;
  }

  private urlOf(memberId: string): string | undefined {
    return this.options.founders.find((m) => m.id === memberId)?.url;
  }

  /** Proposes on the next turn of the event loop, so submissions arriving together share one entry. */
  private scheduleProposals(): void {
    if (this.proposeScheduled) return;
    this.proposeScheduled = true;
    setImmediate(() => {
      this.proposeScheduled = false;
      this.proposePending();
    });
  }

  /** Settles a proposed batch's transactions with their outcomes, or fails them all. */
  private waiterFor(entries: readonly MempoolEntry[]): ProposalWaiter<TxOutcome[]> {
    this.transactionsProposed += entries.length;
    let done = false;
    const finish = () => {
      if (!done) this.transactionsProposed -= entries.length;
      done = true;
    };
    return {
      settle: (outcomes) => {
        finish();
        entries.forEach((e, i) => settleEntry(e, outcomes[i]!));
      },
      fail: (error) => {
        finish();
        for (const e of entries) failEntry(e, error);
      },
    };
  }

  private proposePending(): void {
    const engine = this.engine;
    if (engine === null) return;
    const { blockTxsMax, proposalsInFlightMax, signer } = this.options;
    while (this.mempool.size > 0 && engine.proposalsInFlight < proposalsInFlightMax) {
      if (engine.status().role !== 'leader') {
        this.mempool.failAll(new AppError('UNAVAILABLE', 'this node lost leadership; deliver again', { retryAfterS: 1 }));
        return;
      }
      const entries = this.mempool.take(blockTxsMax);
      const proposalId = `${this.options.selfId}:${this.bootId}:${++this.proposalSeq}`;
      const data = encodeBatch({ proposalId, proposer: signer.nodeId, timestamp: new Date().toISOString(), txs: entries.map((e) => e.pending.tx) });
      try {
        engine.propose(data, proposalId, this.waiterFor(entries));
      } catch (error) {
        const refused = error instanceof RaftError ? new AppError('UNAVAILABLE', error.message, { retryAfterS: 1, cause: error }) : error;
        for (const e of entries) failEntry(e, refused);
        return;
      }
    }
  }
}
