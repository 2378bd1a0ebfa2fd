import { bigserial, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const feeds = pgTable('feeds', {
  id: text('id').primaryKey(),
  ownerKeyId: text('owner_key_id').notNull(),
  name: text('name').notNull(),
  category: text('category').notNull(),
  assetId: text('asset_id').notNull(),
  source: jsonb('source').notNull(),
  schedule: jsonb('schedule').notNull(),
  quality: jsonb('quality').notNull(),
  status: text('status').notNull(),
  /** Push feeds: HMAC key devices sign readings with. */
  pushSecret: text('push_secret'),
  acceptedCount: integer('accepted_count').notNull().default(0),
  reviewCount: integer('review_count').notNull().default(0),
  rejectedCount: integer('rejected_count').notNull().default(0),
  fetchErrorCount: integer('fetch_error_count').notNull().default(0),
  /** Fetches with new data that the schedule did not publish (within the deviation threshold, before the heartbeat). */
  skippedCount: integer('skipped_count').notNull().default(0),
  lastScore: doublePrecision('last_score'),
  lastDecision: text('last_decision'),
  lastError: text('last_error'),
  lastObservation: jsonb('last_observation'),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
}, (t) => [
  // Cross-source agreement reads the other feeds of one asset on every evaluation.
  index('feeds_asset_category_idx').on(t.assetId, t.category),
]);

export const observations = pgTable(
  'observations',
  {
    id: text('id').primaryKey(),
    feedId: text('feed_id').notNull(),
    observedAt: ts('observed_at').notNull(),
    value: doublePrecision('value').notNull(),
    contentHash: text('content_hash').notNull(),
    observation: jsonb('observation').notNull(),
    report: jsonb('report').notNull(),
    decision: text('decision').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('observations_feed_time_idx').on(t.feedId, t.observedAt), index('observations_feed_hash_idx').on(t.feedId, t.contentHash)],
);

export const reviews = pgTable(
  'reviews',
  {
    id: text('id').primaryKey(),
    observationId: text('observation_id').notNull(),
    feedId: text('feed_id').notNull(),
    category: text('category').notNull(),
    status: text('status').notNull(),
    qualityDecision: text('quality_decision').notNull(),
    score: doublePrecision('score').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    decidedAt: ts('decided_at'),
  },
  (t) => [index('reviews_status_idx').on(t.status, t.createdAt), uniqueIndex('reviews_observation_idx').on(t.observationId)],
);

/** Append-only trail of what happened to each review item, and who did it. */
export const reviewAudit = pgTable(
  'review_audit',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    reviewId: text('review_id').notNull(),
    action: text('action').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('review_audit_review_idx').on(t.reviewId)],
);

/**
 * The tokenization channel's durable outbox: an event is written here in the same
 * transaction as its observation, and stays undelivered until the validator has committed it.
 */
export const channelOutbox = pgTable(
  'channel_outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    eventId: text('event_id').notNull(),
    channel: text('channel').notNull(),
    event: jsonb('event').notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: ts('created_at').notNull().defaultNow(),
    deliveredAt: ts('delivered_at'),
    /** Set when the ledger refused the event for good; the row stays for operators but is no longer delivered. */
    refusedAt: ts('refused_at'),
    refusal: text('refusal'),
  },
  (t) => [uniqueIndex('channel_outbox_event_idx').on(t.eventId), index('channel_outbox_pending_idx').on(t.deliveredAt, t.seq)],
);

/**
 * Which slim worker may fetch a feed, until when. A worker fetches a feed only while it holds an
 * unexpired lease; a worker that dies stops renewing, and another takes the feed once it expires.
 */
export const feedLeases = pgTable('feed_leases', {
  feedId: text('feed_id').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: ts('expires_at').notNull(),
});

/**
 * Registered IoT devices. Each holds its own HMAC key: a device signs its readings with it, and a
 * push feed names the device whose key verifies its readings. A revoked device's readings fail verification.
 */
export const devices = pgTable(
  'devices',
  {
    id: text('id').primaryKey(),
    ownerKeyId: text('owner_key_id').notNull(),
    name: text('name').notNull(),
    assetId: text('asset_id').notNull(),
    secret: text('secret').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    revokedAt: ts('revoked_at'),
  },
  (t) => [index('devices_owner_idx').on(t.ownerKeyId)],
);

/**
 * Nonces of signed readings seen within the replay window, per device. A reading whose nonce is
 * already here is a replay; rows past `expires_at` are pruned (older readings fall outside the window anyway).
 */
export const pushNonces = pgTable(
  'push_nonces',
  {
    deviceId: text('device_id').notNull(),
    nonce: text('nonce').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceId, t.nonce] }), index('push_nonces_expiry_idx').on(t.expiresAt)],
);

/** L3 of the source answer cache: shared by every worker on the database, outliving restarts. */
export const sourceCache = pgTable(
  'source_cache',
  {
    key: text('key').primaryKey(),
    value: jsonb('value').notNull(),
    storedAt: ts('stored_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [index('source_cache_expiry_idx').on(t.expiresAt)],
);
