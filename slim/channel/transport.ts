import type { ChannelEvent } from '../../schemas/index.ts';

/** What the validator told us about a delivered batch. */
export interface DeliveryReceipt {
  /**
   * Ids of the events now safe beyond this worker: committed in a block (http, including ones committed
   * earlier: redelivery is idempotent), or appended to the channel's stream (redis), whose consumer
   * acknowledges them only once committed.
   */
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
  /** Releases connections; called once the publisher has stopped. */
  close?(): Promise<void>;
}
