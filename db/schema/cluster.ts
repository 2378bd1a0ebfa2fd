import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Nodes announcing themselves to the gateways (self-registration) when they share one Postgres:
 * one row per node, renewed by every heartbeat, live while `expires_at` is ahead of the
 * database's clock. Unlike the other parts' tables, this one is shared by every node of the
 * network, so it lives in a schema of its own (DIRECTORY_DB_SCHEMA); `namespace` keeps networks
 * sharing one database apart.
 */
export const nodeAnnouncements = pgTable(
  'node_announcements',
  {
    namespace: text('namespace').notNull(),
    nodeId: text('node_id').notNull(),
    pool: text('pool').notNull(),
    url: text('url').notNull(),
    weight: integer('weight').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.nodeId] }), index('node_announcements_expiry_idx').on(t.namespace, t.expiresAt)],
);
