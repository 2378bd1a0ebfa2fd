import { and, asc, count, desc, eq, gt, inArray, max, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { blocks, committedEvents, ledgerState, nodeMeta, transactions } from '../../db/schema/consensus.ts';
import {
  Block,
  CATEGORIES,
  ChannelEvent,
  Transaction,
  type BlockWithTransactions,
  type Category,
  type CommittedEvent,
} from '../../schemas/index.ts';
import { invariant } from '../invariant.ts';
import { decodeRow } from './decode.ts';

/** Rows per INSERT statement: keeps each statement far below Postgres' 65535 bind parameters. */
const INSERT_ROWS_MAX = 500;
/** Rows per page when loading the whole ledger state at start-up. */
const STATE_LOAD_PAGE_ROWS = 10_000;
/** Event ids per lookup query. */
const EVENT_LOOKUP_IDS_MAX = 1_000;

const NODE_KEY_SEED_META = 'node_key_seed';

/** Everything one block changes, stored together or not at all. */
export interface BlockCommit {
  block: BlockWithTransactions;
  /** Ledger entries the block wrote (new values). */
  writes: ReadonlyMap<string, unknown>;
  /** Events the block attested for the first time, in block order. */
  attested: readonly { event: ChannelEvent; txHash: string }[];
}

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
      const eventRows = commit.attested.map(({ event, txHash }) => ({
        eventId: event.id,
        channel: event.channel,
        feedId: event.feedId,
        height,
        txHash,
        event,
      }));
      // Inserted in block order, so sequences follow commit order.
      for (const rows of chunks(eventRows)) await tx.insert(committedEvents).values(rows);
    });
  }

  async head(): Promise<Block | null> {
    const [row] = await this.db.select().from(blocks).orderBy(desc(blocks.height)).limit(1);
    return row === undefined ? null : toBlock(row);
  }

  async block(height: number): Promise<Block | null> {
    const [row] = await this.db.select().from(blocks).where(eq(blocks.height, height));
    return row === undefined ? null : toBlock(row);
  }

  async blockWithTransactions(height: number): Promise<BlockWithTransactions | null> {
    const block = await this.block(height);
    if (block === null) return null;
    const rows = await this.db.select().from(transactions).where(eq(transactions.height, height)).orderBy(asc(transactions.position));
    invariant(rows.length === block.txHashes.length, 'block and its stored transactions disagree', { height });
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
type CommittedEventRow = typeof committedEvents.$inferSelect;

const toBlock = (row: BlockRow): Block =>
  decodeRow(Block, { hash: row.hash, header: row.header, signatures: row.signatures, txHashes: row.txHashes }, 'block');

const toCommittedEvent = (row: CommittedEventRow): CommittedEvent => ({
  sequence: row.sequence,
  event: decodeRow(ChannelEvent, row.event, 'channel event'),
  height: row.height,
  txHash: row.txHash,
});

function* chunks<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS_MAX) yield rows.slice(i, i + INSERT_ROWS_MAX);
}
