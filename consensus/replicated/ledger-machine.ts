import { z } from 'zod';
import { Block } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Logger } from '../../runtime/logger.ts';
import { blockHashOf, buildBlock, genesisBlock, txHashOf, ZERO_HASH, type TxOutcome } from '../chain/index.ts';
import type { NodeSigner } from '../crypto/signer.ts';
import { invariant } from '../invariant.ts';
import { StateTree } from '../ledger/index.ts';
import type { ConsensusRepository } from '../storage/repository.ts';
import type { Entry } from '../raft/index.ts';
import { decodeBatch, type ProposedBatch } from './batch-codec.ts';
import type { AppliedEntry, EngineMachine } from './engine-machine.ts';

/** The genesis every member of a cluster computes alike: nobody proposed it, and it has no clock. */
export const CLUSTER_GENESIS_TIMESTAMP = '2026-01-01T00:00:00.000Z';
export const CLUSTER_GENESIS_PROPOSER = ZERO_HASH;

export interface AppliedBatch {
  /** Null when no transaction of the batch applied (no block is made). */
  block: Block | null;
  /** One per transaction of the batch, in order. */
  outcomes: TxOutcome[];
}

/** What a Raft snapshot carries: the ledger as of one applied index, head block included. */
const LedgerSnapshot = z.object({ head: Block, state: z.array(z.tuple([z.string(), z.unknown()])) });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The replicated state machine: the ledger one node holds, advanced only by committed entries in
 * log order. Every block is stored (with the Raft index that produced it) before memory moves, so a
 * restart resumes from storage at exactly that index and replays the rest of the log.
 */
export class LedgerMachine implements EngineMachine<TxOutcome[]> {
  /** Told every block this node applied and stored, in height order. */
  onBlock: (block: Block) => void = () => {};
  /**
   * Whether this node signs the blocks it applies: voters do; a learner's signature counts for no
   * finality, so it spares the milliseconds of ML-DSA signing and keeps the voters' co-signatures.
   */
  signsBlocks: () => boolean = () => true;

  private constructor(
    private readonly repository: ConsensusRepository,
    private readonly signer: NodeSigner,
    private readonly chainId: string,
    private readonly logger: Logger,
    private head: Block,
    private state: Map<string, unknown>,
    private tree: StateTree,
    private appliedIndex: number,
  ) {
    this.lastApplied = appliedIndex;
  }

  /** The newest entry applied, stored block or not. */
  private lastApplied: number;

  static async open(repository: ConsensusRepository, signer: NodeSigner, chainId: string, logger: Logger): Promise<LedgerMachine> {
    const state = await repository.loadState();
    let head = await repository.head();
    if (head === null) {
      invariant(state.size === 0, 'ledger state present without any block');
      const genesis = genesisBlock(chainId, CLUSTER_GENESIS_TIMESTAMP, signer, CLUSTER_GENESIS_PROPOSER);
      await repository.persistBlock({ block: { ...genesis, transactions: [] }, writes: new Map(), attested: [], raftIndex: 0 });
      head = genesis;
    }
    invariant(head.header.chainId === chainId, `stored chain is '${head.header.chainId}', configured CHAIN_ID is '${chainId}'`);
    const genesis = await repository.block(0);
    const groupGenesis = genesisBlock(chainId, CLUSTER_GENESIS_TIMESTAMP, signer, CLUSTER_GENESIS_PROPOSER);
    if (genesis?.hash !== groupGenesis.hash) {
      // A chain a single validator built alone cannot join a group: the members would never agree on a block.
      throw new AppError('CONFLICT', 'this node\'s storage holds a chain that a single validator built, not this Raft group\'s; start the member with empty storage (a new DATA_DIR or DB_SCHEMA)');
    }
    invariant(blockHashOf(head.header) === head.hash, 'stored head hash does not match its header', { height: head.header.height });
    const tree = StateTree.from(state);
    invariant(tree.root() === head.header.stateRoot, 'stored ledger state does not match the head state root', { height: head.header.height });
    const appliedIndex = await repository.appliedRaftIndex();
    return new LedgerMachine(repository, signer, chainId, logger, head, state, tree, appliedIndex);
  }

  /** Raft index of the newest entry whose block is stored; entries after it are applied again on start. */
  get applied(): number {
    return this.appliedIndex;
  }

  get headBlock(): Block {
    return this.head;
  }

  stateValue(key: string): unknown {
    return this.state.get(key);
  }

  /**
   * A committed entry: a batch is executed into a block. An entry that is not a batch is skipped, by
   * every node alike (they all decode the same bytes), so the chain stays the same everywhere.
   */
  async apply(entry: Entry): Promise<AppliedEntry<TxOutcome[]>> {
    const decoded = decodeBatch(entry.data);
    if (!decoded.ok) {
      this.logger.warn({ index: entry.index, reason: decoded.reason }, 'committed entry is not a transaction batch; skipped');
      this.skip(entry.index);
      return { proposalId: null, result: [] };
    }
    const applied = await this.applyBatch(entry.index, decoded.batch);
    if (applied.block !== null) this.onBlock(applied.block);
    return { proposalId: decoded.batch.proposalId, result: applied.outcomes };
  }

  /** Executes a committed batch on the head, stores the block it makes, then moves memory. */
  async applyBatch(index: number, batch: ProposedBatch): Promise<AppliedBatch> {
    this.skip(index);
    const built = buildBlock({
      chainId: this.chainId,
      head: this.head,
      state: this.state,
      stateTree: this.tree,
      batch: batch.txs.map((tx) => ({ tx, hash: txHashOf(tx) })),
      timestamp: batch.timestamp,
      signer: this.signsBlocks() ? this.signer : null,
      proposer: batch.proposer,
    });
    if (built.block === null) return { block: null, outcomes: built.outcomes };
    await this.repository.persistBlock({ block: built.block, writes: built.writes, attested: built.attested, raftIndex: index });
    for (const [key, value] of built.writes) this.state.set(key, value);
    this.tree.apply(built.writes);
    const { transactions: _transactions, ...block } = built.block;
    this.head = block;
    this.appliedIndex = index;
    return { block, outcomes: built.outcomes };
  }

  /** An entry that was not a batch, or a membership change: nothing to execute, nothing stored. */
  skip(index: number): void {
    invariant(index > this.lastApplied, 'entries apply in log order, once', { index, applied: this.lastApplied });
    this.lastApplied = index;
  }

  snapshot(): Uint8Array {
    return encoder.encode(JSON.stringify({ head: this.head, state: [...this.state] }));
  }

  /** Replaces the whole ledger with a leader's snapshot (this node was too far behind to replay the log). */
  async restore(index: number, data: Uint8Array): Promise<void> {
    const parsed = LedgerSnapshot.parse(JSON.parse(decoder.decode(data)));
    const state = new Map(parsed.state);
    const tree = StateTree.from(state);
    invariant(tree.root() === parsed.head.header.stateRoot, 'snapshot state does not match its head state root', { index });
    invariant(blockHashOf(parsed.head.header) === parsed.head.hash, 'snapshot head hash does not match its header', { index });
    await this.repository.replaceLedger({ head: parsed.head, state, raftIndex: index });
    this.head = parsed.head;
    this.state = state;
    this.tree = tree;
    this.appliedIndex = index;
    this.lastApplied = index;
    this.logger.info({ index, height: parsed.head.header.height }, 'ledger restored from a snapshot');
  }
}
