import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import type { Block, ConsensusStatus, Transaction } from '../../schemas/index.ts';
import { blockHashOf, buildBlock, genesisBlock, txHashOf, type PendingTx } from '../chain/index.ts';
import type { NodeSigner } from '../crypto/signer.ts';
import { invariant, isInvariantViolation } from '../invariant.ts';
import { eventKey, readEventRecord, StateTree } from '../ledger/index.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import type { CommitResult, Consensus } from './consensus.ts';
import { failEntry, Mempool, settleEntry, type MempoolEntry } from './mempool.ts';

export interface SingleNodeOptions {
  repository: ConsensusRepository;
  signer: NodeSigner;
  chainId: string;
  blockIntervalMs: number;
  blockTxsMax: number;
  mempoolTxsMax: number;
  logger: Logger;
  /** The block timestamp's clock; injectable so tests can pin it. */
  now?: () => Date;
}

/** A single-node Raft has one term and is always its own leader. */
const SINGLE_NODE_TERM = 1;

/**
 * One validator that is the whole network: it orders transactions itself, builds a block
 * every interval when there is work, stores it, then answers the submitters.
 * Memory (head, state) only ever moves after the database has the block.
 */
export class SingleNodeConsensus implements Consensus {
  private readonly mempool: Mempool;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private readonly blockListeners: ((txCount: number) => void)[] = [];
  private halted = false;
  /** Set after a failed write whose outcome is unknown: reload from storage before building again. */
  private needsResync = false;

  private constructor(
    private readonly options: SingleNodeOptions,
    private head: Block,
    private state: Map<string, unknown>,
    private stateTree: StateTree,
  ) {
    this.mempool = new Mempool(options.mempoolTxsMax, { state: { get: (key) => this.state.get(key) }, chainId: options.chainId });
    this.now = options.now ?? (() => new Date());
  }

  /** Loads and checks the stored chain (creating genesis on first start), then starts the block loop. */
  static async start(options: SingleNodeOptions): Promise<SingleNodeConsensus> {
    const { head, state, stateTree } = await loadChain(options);
    const node = new SingleNodeConsensus(options, head, state, stateTree);
    node.schedule(options.blockIntervalMs);
    options.logger.info({ height: head.header.height, nodeId: options.signer.nodeId }, 'consensus started');
    return node;
  }

  async submit(txs: readonly Transaction[]): Promise<CommitResult[]> {
    if (this.stopped || this.halted) throw new AppError('UNAVAILABLE', 'this validator is not taking transactions', { retryAfterS: 1 });
    const answered = new Map<number, CommitResult>();
    const queued: PendingTx[] = [];
    const queuedAt = new Map<number, number>();
    txs.forEach((tx, i) => {
      // An event already in the ledger is answered at once: no mempool slot, no block.
      const applied = tx.type === 'attest' ? readEventRecord(this.state.get(eventKey(tx.event.id))) : undefined;
      if (applied !== undefined) {
        answered.set(i, { kind: 'duplicate', txHash: applied.txHash, height: applied.height });
      } else {
        queuedAt.set(i, queued.length);
        queued.push({ tx, hash: txHashOf(tx) });
      }
    });
    const promises = this.mempool.add(queued);
    if (promises === null) {
      throw new AppError('MEMPOOL_FULL', `the mempool holds its maximum of ${this.options.mempoolTxsMax} transactions`, {
        retryAfterS: this.drainEstimateS(),
      });
    }
    return Promise.all(txs.map((_, i) => answered.get(i) ?? promises[queuedAt.get(i)!]!));
  }

  status(): ConsensusStatus {
    const { signer, chainId } = this.options;
    return {
      chainId,
      nodeId: signer.nodeId,
      role: 'leader',
      leader: signer.nodeId,
      term: SINGLE_NODE_TERM,
      height: this.head.header.height,
      lastHash: this.head.hash,
      // No Raft log here: each stored block is one entry, committed and applied as it is stored.
      commitIndex: this.head.header.height,
      appliedIndex: this.head.header.height,
      members: [{ id: signer.nodeId, role: 'voter', ...signer.identity }],
      pendingTransactions: this.mempool.size,
    };
  }

  onCommittedBlock(listener: (txCount: number) => void): void {
    this.blockListeners.push(listener);
  }

  /** Alone, this node's stored chain is the committed chain: every read is already linearizable. */
  async readBarrier(): Promise<void> {}

  pendingTransaction(txHash: string): Transaction | undefined {
    return this.mempool.get(txHash)?.tx;
  }

  health(): 'up' | 'down' {
    return this.halted ? 'down' : 'up';
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
    this.mempool.failAll(new AppError('UNAVAILABLE', 'the validator is shutting down', { retryAfterS: 1 }));
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.halted) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.tick().finally(() => {
        this.inFlight = null;
        // A backlog of a full block or more goes out without waiting another interval.
        this.schedule(this.mempool.size >= this.options.blockTxsMax ? 0 : this.options.blockIntervalMs);
      });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    try {
      if (this.needsResync) await this.resync();
      if (this.mempool.size === 0) return;
      await this.commitNextBlock(this.mempool.take(this.options.blockTxsMax));
    } catch (error) {
      if (isInvariantViolation(error)) return this.halt(error);
      this.options.logger.error({ err: error }, 'block loop failed; will retry');
    }
  }

  private async commitNextBlock(entries: MempoolEntry[]): Promise<void> {
    let settled = false;
    try {
      settled = await this.buildAndStore(entries);
    } finally {
      // Whatever went wrong, nobody is left waiting on a transaction taken out of the mempool.
      if (!settled) {
        const retryable = new AppError('UNAVAILABLE', 'the block was not stored; deliver again', { retryAfterS: 1 });
        for (const e of entries) failEntry(e, retryable);
      }
    }
  }

  /** True when the block is stored (or nothing needed storing) and every entry is settled. */
  private async buildAndStore(entries: MempoolEntry[]): Promise<boolean> {
    const { repository, signer, chainId, logger } = this.options;
    const built = buildBlock({
      chainId,
      head: this.head,
      state: this.state,
      stateTree: this.stateTree,
      batch: entries.map((e) => e.pending),
      timestamp: this.now().toISOString(),
      signer,
    });
    if (built.block !== null) {
      try {
        await repository.persistBlock({ block: built.block, writes: built.writes, attested: built.attested });
      } catch (error) {
        if (isInvariantViolation(error)) throw error;
        // The write may or may not have landed: storage is the truth, reload it before the next block.
        this.needsResync = true;
        logger.error({ err: error, height: built.block.header.height }, 'storing a block failed');
        return false;
      }
      for (const [key, value] of built.writes) this.state.set(key, value);
      this.stateTree.apply(built.writes);
      const { transactions: _transactions, ...block } = built.block;
      this.head = block;
      for (const listener of this.blockListeners) listener(block.txHashes.length);
      logger.debug({ height: block.header.height, txs: block.txHashes.length }, 'block committed');
    }
    entries.forEach((entry, i) => settleEntry(entry, built.outcomes[i]!));
    return true;
  }

  private async resync(): Promise<void> {
    const { head, state, stateTree } = await loadChain(this.options);
    this.head = head;
    this.state = state;
    this.stateTree = stateTree;
    this.needsResync = false;
    this.options.logger.info({ height: head.header.height }, 'reloaded chain from storage');
  }

  private halt(error: unknown): void {
    this.halted = true;
    this.options.logger.fatal({ err: error }, 'invariant violated: validator halted, it commits nothing more');
    this.mempool.failAll(new AppError('UNAVAILABLE', 'the validator halted', { retryAfterS: 30 }));
  }

  /** Seconds until the current backlog has gone into blocks, at least one. */
  private drainEstimateS(): number {
    const blocks = Math.ceil(this.mempool.size / this.options.blockTxsMax) + 1;
    return Math.max(1, Math.ceil((blocks * this.options.blockIntervalMs) / 1000));
  }
}

async function loadChain(options: SingleNodeOptions): Promise<{ head: Block; state: Map<string, unknown>; stateTree: StateTree }> {
  const { repository, chainId, signer } = options;
  const state = await repository.loadState();
  let head = await repository.head();
  if (head === null) {
    invariant(state.size === 0, 'ledger state present without any block');
    const genesis = genesisBlock(chainId, (options.now ?? (() => new Date()))().toISOString(), signer);
    await repository.persistBlock({ block: { ...genesis, transactions: [] }, writes: new Map(), attested: [] });
    head = genesis;
  }
  // Refuse to start on a chain we cannot vouch for rather than extend it.
  invariant(head.header.chainId === chainId, `stored chain is '${head.header.chainId}', configured CHAIN_ID is '${chainId}'`);
  invariant(blockHashOf(head.header) === head.hash, 'stored head hash does not match its header', { height: head.header.height });
  const stateTree = StateTree.from(state);
  invariant(stateTree.root() === head.header.stateRoot, 'stored ledger state does not match the head state root', {
    height: head.header.height,
  });
  return { head, state, stateTree };
}

