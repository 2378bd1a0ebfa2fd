import { z } from 'zod';
import { Category, Identifier, IsoTimestamp } from './common.ts';
import { Observation } from './observation.ts';
import { QualityReport } from './quality.ts';

/** A reviewer's approval, carried by events that passed through the review queue. */
export const Approval = z.object({
  reviewId: z.string(),
  reviewer: z.string(),
  reason: z.string(),
  decidedAt: IsoTimestamp,
});
export type Approval = z.infer<typeof Approval>;

/**
 * What a tokenization channel carries: an observation with its full quality report.
 * `id` is unique per observation, so the ledger can apply each event at most once.
 */
export const ChannelEvent = z.object({
  id: z.string().min(1).max(128),
  channel: Category,
  feedId: Identifier,
  assetId: Identifier,
  observation: Observation,
  quality: QualityReport,
  approval: Approval.optional(),
  publishedAt: IsoTimestamp,
});
export type ChannelEvent = z.infer<typeof ChannelEvent>;

/** Batch delivered from a slim worker to the validator (at-least-once). */
export const ChannelDelivery = z.object({ events: z.array(ChannelEvent).min(1).max(500) });
export type ChannelDelivery = z.infer<typeof ChannelDelivery>;

/** An event once committed: where it landed in the chain. */
export const CommittedEvent = z.object({
  sequence: z.number().int(),
  event: ChannelEvent,
  height: z.number().int(),
  txHash: z.string(),
});
export type CommittedEvent = z.infer<typeof CommittedEvent>;

/** The validator's answer to a delivery: one entry per event id, committed (now or earlier) or refused. */
export const ChannelDeliveryReceipt = z.object({
  committed: z.array(z.object({ eventId: z.string(), height: z.number().int(), txHash: z.string(), duplicate: z.boolean() })),
  /** Events the ledger refused (e.g. neither accepted nor approved): delivering them again will not help. */
  rejected: z.array(z.object({ eventId: z.string(), code: z.string(), message: z.string() })),
});
export type ChannelDeliveryReceipt = z.infer<typeof ChannelDeliveryReceipt>;

/** Where tokenization channels live: Redis Streams (REDIS_URL) or the slim outbox delivered over HTTP (embedded). */
export type ChannelBackend = 'redis' | 'http';

/** The configured backend, or by default Redis Streams whenever Redis is configured. */
export function channelBackendOf(config: { CHANNEL_BACKEND?: ChannelBackend | undefined; REDIS_URL?: string | undefined }): ChannelBackend {
  return config.CHANNEL_BACKEND ?? (config.REDIS_URL === undefined ? 'http' : 'redis');
}

/** The Redis stream of one channel (category): producers and the consumer group agree on it through this. */
export const channelStreamKey = (prefix: string, channel: Category): string => `${prefix}${channel}`;

/** Each stream entry carries the ChannelEvent as JSON in this one field. */
export const CHANNEL_STREAM_EVENT_FIELD = 'event';
