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
