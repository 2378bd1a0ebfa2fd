import { and, asc, count, desc, eq, gt, gte, inArray, max, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { eventSequence } from './event-sequence.ts';
import { blockSignatures, blocks, committedEvents, ledgerMeta, ledgerState, nodeMeta, transactions } from '../../db/schema/consensus.ts';
import {
  Block,
  CATEGORIES,
  ChannelEvent,
  KeyedBlockSignature,
  Transaction,
  type BlockWithTransactions,
  type Category,
  type CommittedEvent,
} from '../../schemas/index.ts';
import { checkBlockSignature, type CoSignatureFault } from '../chain/cosign.ts';
import { invariant } from '../invariant.ts';
import { decodeRow } from './decode.ts';

/** Rows per INSERT statement: keeps each statement far below Postgres' 65535 bind parameters. */
const INSERT_ROWS_MAX = 500;
/** Rows per page when loading the whole ledger state at start-up. */
const STATE_LOAD_PAGE_ROWS = 10_000;
/** Event ids per lookup query. */
const EVENT_LOOKUP_IDS_MAX = 1_000;

const NODE_KEY_SEED_META = 'node_key_seed';
/** The one row of ledger_meta. */
const LEDGER_META_ID = 1;
/**
 * Signatures kept per block. Voters are at most a handful (the cluster has at most 15 members), so
 * this only bounds what a member sending co-signatures under fresh keys could make us store.
 */
export const SIGNATURES_PER_BLOCK_MAX = 64;

/** Everything one block changes, stored together or not at all. */
export interface BlockCommit {
  block: BlockWithTransactions;
  /** Ledger entries the block wrote (new values). */
  writes: ReadonlyMap<string, unknown>;
  /** Events the block attested for the first time, in block order. */
  attested: readonly { event: ChannelEvent; txHash: string }[];
  /**
   * Raft log index of the committed entry that produced the block (replicated nodes); stored in
   * the same transaction as the block, so appliedRaftIndex() never disagrees with the ledger.
   * 0 for a genesis no entry produced; absent on a single validator, which has no log.
   */
  raftIndex?: number;
}

/** A snapshot install: the ledger as of one applied Raft index. */
export interface LedgerInstall {
  head: Block;
  state: ReadonlyMap<string, unknown>;
  raftIndex: number;
}

/** What became of signatures offered for a block. */
export type AddSignaturesResult =
  /** Valid ones are stored; `added` counts those not stored before. */
  | { kind: 'stored'; added: number; invalid: { signer: string; fault: CoSignatureFault }[]; overLimit: number }
  /** No block at this height here (yet): nothing stored. */
  | { kind: 'block_missing' }
  /** The block stored here at this height has another hash (the signer computed another block): nothing stored. */
  | { kind: 'hash_mismatch'; storedHash: string };

export interface StoredTransaction {
  tx: Transaction;
  height: number;
  index: number;
}

export interface ChannelSummary {
  name: Category;
  events: number;
  /** Sequence of the channel's last committed event; null when it has none. */
  lastSequence: number | null;
}

/**
 * The validator's storage: blocks, transactions, ledger state and committed events,
 * over drizzle so PGlite and Postgres run the same code.
 */
export class ConsensusRepository {
  constructor(private readonly db: Database) {}

  /** Writes a block and all it changed in one database transaction. */
  async persistBlock(commit: BlockCommit): Promise<void> {
    const { block } = commit;
    const height = block.header.height;
    await this.db.transaction(async (tx) => {
      const [top] = await tx.select({ height: max(blocks.height) }).from(blocks);
      const headHeight = top?.height ?? null;
      // Storing out of order would leave a gap or overwrite history.
      invariant(headHeight === null ? height === 0 : height === headHeight + 1, 'block does not extend the stored head', {
        height,
        headHeight,
      });
      await tx.insert(blocks).values({
        height,
        hash: block.hash,
        header: block.header,
        signatures: block.signatures,
        txHashes: block.txHashes,
      });
      const txRows = block.transactions.map((t, position) => ({ hash: block.txHashes[position]!, height, position, tx: t }));
      for (const rows of chunks(txRows)) await tx.insert(transactions).values(rows);
      const stateRows = [...commit.writes].map(([key, value]) => ({ key, value }));
      for (const rows of chunks(stateRows)) {
        await tx
          .insert(ledgerState)
          .values(rows)
          .onConflictDoUpdate({ target: ledgerState.key, set: { value: sql`excluded.value` } });
      }
      const positions = new Map(block.txHashes.map((hash, position) => [hash, position]));
      const eventRows = commit.attested.map(({ event, txHash }) => ({
        sequence: eventSequence(height, positionOf(positions, txHash)),
        eventId: event.id,
        channel: event.channel,
        feedId: event.feedId,
        height,
        txHash,
        event,
      }));
      // Sequences follow commit order: by height, then by place in the block.
      for (const rows of chunks(eventRows)) await tx.insert(committedEvents).values(rows);
      if (commit.raftIndex !== undefined) {
        const applied = (await readLedgerMeta(tx))?.appliedRaftIndex ?? 0;
        // An entry makes at most one block, and entries apply in log order; genesis comes from no entry (0).
        invariant(commit.raftIndex > applied || (commit.raftIndex === 0 && applied === 0), 'block from a Raft entry at or before the applied index', {
          raftIndex: commit.raftIndex,
          applied,
          height,
        });
        await tx
          .insert(ledgerMeta)
          .values({ id: LEDGER_META_ID, appliedRaftIndex: commit.raftIndex })
          .onConflictDoUpdate({ target: ledgerMeta.id, set: { appliedRaftIndex: commit.raftIndex } });
      }
    });
  }

  /** Raft index of the last entry whose block (or snapshot) is stored; 0 when none is. */
  async appliedRaftIndex(): Promise<number> {
    return (await readLedgerMeta(this.db))?.appliedRaftIndex ?? 0;
  }

  /**
   * Installs a snapshot: the ledger state is replaced whole and `head` becomes the head block, with
   * the applied Raft index, in one transaction. The snapshot carries the state and the head, not the
   * history: blocks between this node's old head and the new one stay absent here, the head is
   * stored without its transactions, and their committed events are not in the event tables
   * (channel streams and receipts for them must be read from another node). The ledger itself is
   * complete: duplicate detection reads the state, which the snapshot holds in full.
   */
  async replaceLedger(install: LedgerInstall): Promise<void> {
    const { head, state, raftIndex } = install;
    const height = head.header.height;
    await this.db.transaction(async (tx) => {
      const applied = (await readLedgerMeta(tx))?.appliedRaftIndex ?? 0;
      invariant(raftIndex >= applied, 'a snapshot would move the ledger back', { raftIndex, applied });
      const [top] = await tx.select({ height: max(blocks.height) }).from(blocks);
      const headHeight = top?.height ?? null;
      invariant(headHeight === null || headHeight <= height, 'stored chain is ahead of the snapshot', { height, headHeight });
      const [existing] = await tx.select({ hash: blocks.hash }).from(blocks).where(eq(blocks.height, height));
      if (existing === undefined) {
        await tx.insert(blocks).values({ height, hash: head.hash, header: head.header, signatures: head.signatures, txHashes: head.txHashes });
      } else {
        // Committed history is the same on every node: a different block here means diverged state.
        invariant(existing.hash === head.hash, 'snapshot head differs from the stored block at its height', { height });
      }
      await tx.delete(ledgerState);
      const stateRows = [...state].map(([key, value]) => ({ key, value }));
      for (const rows of chunks(stateRows)) await tx.insert(ledgerState).values(rows);
      await tx
        .insert(ledgerMeta)
        .values({ id: LEDGER_META_ID, appliedRaftIndex: raftIndex, snapshotHeight: height })
        .onConflictDoUpdate({ target: ledgerMeta.id, set: { appliedRaftIndex: raftIndex, snapshotHeight: height } });
    });
  }

  /**
   * Keeps signatures over the block stored at `height`, once per signer (idempotent). Each is
   * checked here (key hashes to signer, ML-DSA over `hash`), so only valid ones are ever stored;
   * none is stored when `hash` is not the stored block's hash or there is no block there yet.
   * No transaction: a stored block never changes or goes, and each insert is its own conflict-free
   * statement, so concurrent calls for one block are safe.
   */
  async addBlockSignatures(height: number, hash: string, signatures: readonly KeyedBlockSignature[]): Promise<AddSignaturesResult> {
    const [block] = await this.db.select({ hash: blocks.hash }).from(blocks).where(eq(blocks.height, height));
    if (block === undefined) return { kind: 'block_missing' };
    if (block.hash !== hash) return { kind: 'hash_mismatch', storedHash: block.hash };
    const invalid: { signer: string; fault: CoSignatureFault }[] = [];
    const valid = new Map<string, KeyedBlockSignature>();
    // Members offer signatures again after an outage: one held already costs no verification (ML-DSA verify takes milliseconds).
    const held = new Set((await this.db.select({ signer: blockSignatures.signer }).from(blockSignatures).where(eq(blockSignatures.height, height))).map((r) => r.signer));
    for (const s of signatures) {
      if (valid.has(s.signer) || held.has(s.signer)) continue;
      const check = checkBlockSignature(hash, s);
      if (check.ok) valid.set(s.signer, s);
      else invalid.push({ signer: s.signer, fault: check.fault });
    }
    if (valid.size === 0) return { kind: 'stored', added: 0, invalid, overLimit: 0 };
    const room = Math.max(0, SIGNATURES_PER_BLOCK_MAX - held.size);
    // Over the limit a repeated signer would be refused too: harmless, it is stored already.
    const rows = [...valid.values()].slice(0, room).map((s) => ({ height, signer: s.signer, algorithm: s.algorithm, publicKey: s.publicKey, signature: s.signature }));
    const inserted = rows.length === 0 ? [] : await this.db.insert(blockSignatures).values(rows).onConflictDoNothing().returning({ signer: blockSignatures.signer });
    return { kind: 'stored', added: inserted.length, invalid, overLimit: valid.size - rows.length };
  }

  /** The signatures stored for the block at `height` (see addBlockSignatures), by signer id. */
  async blockSignatures(height: number): Promise<KeyedBlockSignature[]> {
    const rows = await this.db.select().from(blockSignatures).where(eq(blockSignatures.height, height)).orderBy(asc(blockSignatures.signer));
    return rows.map((r) =>
      decodeRow(KeyedBlockSignature, { signer: r.signer, algorithm: r.algorithm, publicKey: r.publicKey, signature: r.signature }, 'block signature'),
    );
  }

  async head(): Promise<Block | null> {
    const [row] = await this.db.select().from(blocks).orderBy(desc(blocks.height)).limit(1);
    return row === undefined ? null : toBlock(row);
  }

  /** Stored blocks from `height` up, oldest first, at most `limit`. */
  async blocksFrom(height: number, limit: number): Promise<Block[]> {
    const rows = await this.db.select().from(blocks).where(gte(blocks.height, height)).orderBy(asc(blocks.height)).limit(limit);
    return rows.map(toBlock);
  }

  async block(height: number): Promise<Block | null> {
    const [row] = await this.db.select().from(blocks).where(eq(blocks.height, height));
    return row === undefined ? null : toBlock(row);
  }

  /** Null also for a block this node holds without its transactions: a snapshot head (see replaceLedger). */
  async blockWithTransactions(height: number): Promise<BlockWithTransactions | null> {
    const block = await this.block(height);
    if (block === null) return null;
    const rows = await this.db.select().from(transactions).where(eq(transactions.height, height)).orderBy(asc(transactions.position));
    if (rows.length !== block.txHashes.length) {
      const snapshotHeight = (await readLedgerMeta(this.db))?.snapshotHeight ?? null;
      invariant(rows.length === 0 && snapshotHeight !== null && height <= snapshotHeight, 'block and its stored transactions disagree', { height });
      return null;
    }
    return { ...block, transactions: rows.map((r) => decodeRow(Transaction, r.tx, 'transaction')) };
  }

  async transaction(hash: string): Promise<StoredTransaction | null> {
    const [row] = await this.db.select().from(transactions).where(eq(transactions.hash, hash));
    if (row === undefined) return null;
    return { tx: decodeRow(Transaction, row.tx, 'transaction'), height: row.height, index: row.position };
  }

  /** The whole ledger state, paged by key so no single result grows without bound. */
  async loadState(): Promise<Map<string, unknown>> {
    const state = new Map<string, unknown>();
    let after: string | null = null;
    for (;;) {
      const page: { key: string; value: unknown }[] = await this.db
        .select()
        .from(ledgerState)
        .where(after === null ? undefined : gt(ledgerState.key, after))
        .orderBy(asc(ledgerState.key))
        .limit(STATE_LOAD_PAGE_ROWS);
      for (const row of page) state.set(row.key, row.value);
      if (page.length < STATE_LOAD_PAGE_ROWS) return state;
      after = page[page.length - 1]!.key;
    }
  }

  /** One ledger entry as committed; undefined when absent. */
  async stateValue(key: string): Promise<unknown> {
    const [row] = await this.db.select().from(ledgerState).where(eq(ledgerState.key, key));
    return row?.value;
  }

  async committedEvent(eventId: string): Promise<CommittedEvent | null> {
    const [row] = await this.db.select().from(committedEvents).where(eq(committedEvents.eventId, eventId));
    return row === undefined ? null : toCommittedEvent(row);
  }

  /** Where each of these events was committed, for those that were. */
  async committedPlaces(eventIds: readonly string[]): Promise<Map<string, { height: number; txHash: string }>> {
    const places = new Map<string, { height: number; txHash: string }>();
    for (let i = 0; i < eventIds.length; i += EVENT_LOOKUP_IDS_MAX) {
      const ids = eventIds.slice(i, i + EVENT_LOOKUP_IDS_MAX);
      const rows = await this.db
        .select({ eventId: committedEvents.eventId, height: committedEvents.height, txHash: committedEvents.txHash })
        .from(committedEvents)
        .where(inArray(committedEvents.eventId, ids));
      for (const r of rows) places.set(r.eventId, { height: r.height, txHash: r.txHash });
    }
    return places;
  }

  /** A page of one channel's committed events after a sequence, in sequence order. */
  async committedEventsAfter(channel: Category, afterSequence: number, limit: number): Promise<CommittedEvent[]> {
    const rows = await this.db
      .select()
      .from(committedEvents)
      .where(and(eq(committedEvents.channel, channel), gt(committedEvents.sequence, afterSequence)))
      .orderBy(asc(committedEvents.sequence))
      .limit(limit);
    return rows.map(toCommittedEvent);
  }

  /** A page of every channel's committed events after a sequence, in sequence (commit) order: what event streams fan out. */
  async committedEventsSince(afterSequence: number, limit: number): Promise<CommittedEvent[]> {
    const rows = await this.db.select().from(committedEvents).where(gt(committedEvents.sequence, afterSequence)).orderBy(asc(committedEvents.sequence)).limit(limit);
    return rows.map(toCommittedEvent);
  }

  /** The sequence of the newest committed event of any channel; 0 when none is stored. */
  async lastCommittedSequence(): Promise<number> {
    const [row] = await this.db.select({ last: max(committedEvents.sequence) }).from(committedEvents);
    return row?.last ?? 0;
  }

  async channelSummaries(): Promise<ChannelSummary[]> {
    const rows = await this.db
      .select({ channel: committedEvents.channel, events: count(), lastSequence: max(committedEvents.sequence) })
      .from(committedEvents)
      .groupBy(committedEvents.channel);
    const byChannel = new Map(rows.map((r) => [r.channel, r]));
    return CATEGORIES.map((name) => {
      const row = byChannel.get(name);
      return { name, events: row?.events ?? 0, lastSequence: row?.lastSequence ?? null };
    });
  }

  /** The node's key seed (hex): created once by `generate`, then the same on every start. */
  async nodeKeySeed(generate: () => string): Promise<string> {
    await this.db.insert(nodeMeta).values({ key: NODE_KEY_SEED_META, value: generate() }).onConflictDoNothing();
    const [row] = await this.db.select().from(nodeMeta).where(eq(nodeMeta.key, NODE_KEY_SEED_META));
    invariant(row !== undefined, 'node key seed missing right after it was stored');
    return row.value;
  }
}

type BlockRow = typeof blocks.$inferSelect;

/** The ledger_meta row, read through the database or inside a transaction. */
async function readLedgerMeta(db: Pick<Database, 'select'>): Promise<typeof ledgerMeta.$inferSelect | undefined> {
  const [row] = await db.select().from(ledgerMeta).where(eq(ledgerMeta.id, LEDGER_META_ID));
  return row;
}
type CommittedEventRow = typeof committedEvents.$inferSelect;

const toBlock = (row: BlockRow): Block =>
  decodeRow(Block, { hash: row.hash, header: row.header, signatures: row.signatures, txHashes: row.txHashes }, 'block');

const toCommittedEvent = (row: CommittedEventRow): CommittedEvent => ({
  sequence: row.sequence,
  event: decodeRow(ChannelEvent, row.event, 'channel event'),
  height: row.height,
  txHash: row.txHash,
});

function positionOf(positions: ReadonlyMap<string, number>, txHash: string): number {
  const position = positions.get(txHash);
  invariant(position !== undefined, 'an attested event whose transaction is not in its block', { txHash });
  return position;
}

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS_MAX) yield rows.slice(i, i + INSERT_ROWS_MAX);
}
