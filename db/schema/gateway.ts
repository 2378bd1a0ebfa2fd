import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** API keys: only a hash of the secret is kept; the key itself is shown once. */
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  role: text('role').notNull(),
  label: text('label').notNull(),
  secretHash: text('secret_hash').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
});

/** Values a gateway generates once and keeps (the API key pepper when none is configured). */
export const gatewayMeta = pgTable('gateway_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
