import type { Redis } from 'ioredis';
import { CHANNEL_STREAM_EVENT_FIELD, channelStreamKey, type ChannelEvent } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { ChannelTransport, DeliveryReceipt } from './transport.ts';

/** Redis is told to try again after this long when it cannot take a batch (the publisher backs off at least this much). */
const REDIS_RETRY_AFTER_S = 1;

/**
 * Appends a batch to the channels' Redis streams (one per category) in one MULTI, in outbox order.
 * The stream is durable beyond this worker: the leader validator reads it in a consumer group and
 * acknowledges an entry only once its attest is committed, so "delivered" here means "in the channel".
 * A worker killed between XADD and marking the outbox appends the batch again on restart: the
 * duplicate entries commit once, since attest is idempotent by event id.
 */
export class RedisStreamChannelTransport implements ChannelTransport {
  readonly name = 'redis';

  constructor(private readonly options: { redis: Redis; streamPrefix: string }) {}

  async deliver(events: ChannelEvent[], signal: AbortSignal): Promise<DeliveryReceipt> {
    if (signal.aborted) throw new AppError('UNAVAILABLE', 'channel delivery stopped');
    const multi = this.options.redis.multi();
    for (const event of events) multi.xadd(channelStreamKey(this.options.streamPrefix, event.channel), '*', CHANNEL_STREAM_EVENT_FIELD, JSON.stringify(event));
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (err) {
      throw new AppError('UNAVAILABLE', 'redis refused the channel batch', { cause: err, retryAfterS: REDIS_RETRY_AFTER_S });
    }
    const failed = results?.find(([err]) => err !== null)?.[0];
    if (results === null || failed !== undefined) {
      throw new AppError('UNAVAILABLE', 'redis did not append the channel batch', { cause: failed ?? undefined, retryAfterS: REDIS_RETRY_AFTER_S });
    }
    return { committedIds: events.map((e) => e.id), refused: [] };
  }

  async close(): Promise<void> {
    this.options.redis.disconnect();
  }
}
