import { bigint, customType, index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

export const blocks = pgTable('blocks', {
  height: bigint('height', { mode: 'number' }).primaryKey(),
  hash: text('hash').notNull().unique(),
  header: jsonb('header').notNull(),
  signatures: jsonb('signatures').notNull(),
  txHashes: jsonb('tx_hashes').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

export const transactions = pgTable(
  'transactions',
  {
    hash: text('hash').primaryKey(),
    height: bigint('height', { mode: 'number' }).notNull(),
    position: integer('position').notNull(),
    tx: jsonb('tx').notNull(),
  },
  (t) => [index('transactions_height_idx').on(t.height)],
);

/** The ledger state, key by key; its Merkle root is each block's state root. */
export const ledgerState = pgTable('ledger_state', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
});

/** Committed channel events in commit order: the source of SSE subscriptions and latest-value queries. */
export const committedEvents = pgTable(
  'committed_events',
  {
    /**
     * Commit order, the same on every node (see consensus/storage/event-sequence.ts): derived from the
     * block height and the transaction's place in it, not a local counter, so a subscriber resumes with
     * its Last-Event-ID on any node.
     */
    sequence: bigint('sequence', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    channel: text('channel').notNull(),
    feedId: text('feed_id').notNull(),
    height: bigint('height', { mode: 'number' }).notNull(),
    txHash: text('tx_hash').notNull(),
    event: jsonb('event').notNull(),
  },
  (t) => [index('committed_events_feed_idx').on(t.feedId, t.sequence), index('committed_events_channel_idx').on(t.channel, t.sequence)],
);

/**
 * Every valid signature known for a stored block: the node's own and the co-signatures of the other
 * validators, which arrive one by one after the block is stored. A row per (height, signer) rather
 * than merging into blocks.signatures: concurrent arrivals are then each one INSERT .. ON CONFLICT
 * DO NOTHING, safe without a read-modify-write under a row lock, and a repeated one is a no-op.
 */
export const blockSignatures = pgTable(
  'block_signatures',
  {
    // No foreign key to blocks: tables live in a per-node schema chosen at run time, and drizzle-kit
    // would pin the reference to "public". Blocks are never deleted, and a signature is only added
    // in a transaction that has just read its block.
    height: bigint('height', { mode: 'number' }).notNull(),
    /** Node id: hex SHA-256 of public_key. */
    signer: text('signer').notNull(),
    algorithm: text('algorithm').notNull(),
    publicKey: text('public_key').notNull(),
    signature: text('signature').notNull(),
  },
  (t) => [primaryKey({ columns: [t.height, t.signer] })],
);

/**
 * One row (id 1): how far the replicated log has been applied to this ledger. Written in the same
 * transaction as the block an entry produced (or the snapshot installed), so after a crash the
 * ledger and this index agree and the node replays the log from the next entry.
 */
export const ledgerMeta = pgTable('ledger_meta', {
  id: smallint('id').primaryKey(),
  appliedRaftIndex: bigint('applied_raft_index', { mode: 'number' }).notNull(),
  /**
   * Height of the last snapshot head installed, null when none was: blocks at or below it may be
   * missing, or stored without their transactions and events (the snapshot carried only the state).
   */
  snapshotHeight: bigint('snapshot_height', { mode: 'number' }),
});

/** Node-local settings that must survive restarts (e.g. the generated key seed). */
export const nodeMeta = pgTable('node_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Raw bytes; postgres-js reads bytea as Buffer, PGlite as Uint8Array: both become a plain Uint8Array. */
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
  fromDriver: (value) => new Uint8Array(value),
});

/**
 * The Raft log of this node (consensus/raft-storage): one row per entry, and an entry carries a
 * whole batch of transactions, so the row count grows with batches, not transactions.
 */
export const raftEntries = pgTable('raft_entries', {
  index: bigint('index', { mode: 'number' }).primaryKey(),
  term: bigint('term', { mode: 'number' }).notNull(),
  type: text('type', { enum: ['normal', 'conf_change'] }).notNull(),
  data: bytea('data').notNull(),
});

/** One row (id 1): the hard state, and the index and term of the last entry compacted away. */
export const raftState = pgTable('raft_state', {
  id: smallint('id').primaryKey(),
  term: bigint('term', { mode: 'number' }).notNull(),
  vote: text('vote'),
  commit: bigint('commit', { mode: 'number' }).notNull(),
  compactedIndex: bigint('compacted_index', { mode: 'number' }).notNull(),
  compactedTerm: bigint('compacted_term', { mode: 'number' }).notNull(),
});

/** One row (id 1): the newest snapshot, the application state at its index and the membership there. */
export const raftSnapshot = pgTable('raft_snapshot', {
  id: smallint('id').primaryKey(),
  index: bigint('index', { mode: 'number' }).notNull(),
  term: bigint('term', { mode: 'number' }).notNull(),
  conf: jsonb('conf').notNull(),
  data: bytea('data').notNull(),
});
