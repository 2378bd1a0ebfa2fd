import type { ChannelEvent } from '../../schemas/index.ts';

/** What the validator told us about a delivered batch. */
export interface DeliveryReceipt {
  /** Ids of the events now committed in a block (including ones it had already committed: redelivery is idempotent). */
  committedIds: string[];
  /** Events the ledger refused for good: retrying cannot help, so they leave the queue, kept for operators. */
  refused: { eventId: string; reason: string }[];
}

/**
 * How the tokenization channel reaches the ledger. Delivery is at-least-once: an event not
 * reported committed is delivered again later, in order. Implementations throw AppError
 * (UNAVAILABLE with `retryAfterS` when the other side asked for it) on any failure.
 */
export interface ChannelTransport {
  readonly name: string;
  deliver(events: ChannelEvent[], signal: AbortSignal): Promise<DeliveryReceipt>;
}
