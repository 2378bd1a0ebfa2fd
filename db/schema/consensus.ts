import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

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
    sequence: bigserial('sequence', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull().unique(),
    channel: text('channel').notNull(),
    feedId: text('feed_id').notNull(),
    height: bigint('height', { mode: 'number' }).notNull(),
    txHash: text('tx_hash').notNull(),
    event: jsonb('event').notNull(),
  },
  (t) => [index('committed_events_feed_idx').on(t.feedId, t.sequence), index('committed_events_channel_idx').on(t.channel, t.sequence)],
);

/** Node-local settings that must survive restarts (e.g. the generated key seed). */
export const nodeMeta = pgTable('node_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
