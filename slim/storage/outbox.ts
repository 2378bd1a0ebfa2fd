import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { channelOutbox } from '../../db/schema/slim.ts';
import { ChannelEvent } from '../../schemas/index.ts';

export interface DeliveryAttempt {
  attemptedSeqs: number[];
  committedSeqs: number[];
  refused: { seq: number; reason: string }[];
}

export interface PendingEvent {
  seq: number;
  event: ChannelEvent;
  attempts: number;
}

/**
 * Writes events to the outbox, in order (one statement); called inside the transaction that
 * records their observations or approval.
 */
export async function appendChannelEvents(tx: Database, events: readonly { event: ChannelEvent; now: Date }[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(channelOutbox).values(events.map(({ event, now }) => ({ eventId: event.id, channel: event.channel, event, createdAt: now })));
}

/** The tokenization channel's durable queue: rows stay until the validator reports them committed. */
export class OutboxRepository {
  constructor(private readonly db: Database) {}

  /** Undelivered events, oldest first, so the channel keeps the order they were written in. */
  async pending(limit: number): Promise<PendingEvent[]> {
    const rows = await this.db
      .select({ seq: channelOutbox.seq, event: channelOutbox.event, attempts: channelOutbox.attempts })
      .from(channelOutbox)
      .where(and(isNull(channelOutbox.deliveredAt), isNull(channelOutbox.refusedAt)))
      .orderBy(asc(channelOutbox.seq))
      .limit(limit);
    return rows.map((r) => ({ seq: r.seq, attempts: r.attempts, event: ChannelEvent.parse(r.event) }));
  }

  /** Counts one delivery attempt for every row of a batch and marks the committed and refused ones, atomically. */
  async recordAttempt(attempt: DeliveryAttempt, now: Date): Promise<void> {
    const { attemptedSeqs, committedSeqs, refused } = attempt;
    if (attemptedSeqs.length === 0) return;
    await this.db.transaction(async (tx) => {
      await tx
        .update(channelOutbox)
        .set({ attempts: sql`${channelOutbox.attempts} + 1` })
        .where(inArray(channelOutbox.seq, attemptedSeqs));
      if (committedSeqs.length > 0) {
        // Only rows still pending: a redelivered duplicate keeps its first delivery time.
        await tx
          .update(channelOutbox)
          .set({ deliveredAt: now })
          .where(and(inArray(channelOutbox.seq, committedSeqs), isNull(channelOutbox.deliveredAt)));
      }
      for (const r of refused) {
        await tx.update(channelOutbox).set({ refusedAt: now, refusal: r.reason }).where(eq(channelOutbox.seq, r.seq));
      }
    });
  }

  async counts(): Promise<{ pending: number; delivered: number; refused: number }> {
    const [row] = await this.db
      .select({
        pending: sql<number>`count(*) filter (where ${channelOutbox.deliveredAt} is null and ${channelOutbox.refusedAt} is null)`.mapWith(Number),
        delivered: sql<number>`count(*) filter (where ${channelOutbox.deliveredAt} is not null)`.mapWith(Number),
        refused: sql<number>`count(*) filter (where ${channelOutbox.refusedAt} is not null)`.mapWith(Number),
      })
      .from(channelOutbox);
    return { pending: row?.pending ?? 0, delivered: row?.delivered ?? 0, refused: row?.refused ?? 0 };
  }

  /** Tests and operators: the events of an observation, delivered or not. */
  async byEventIds(eventIds: string[]): Promise<{ event: ChannelEvent; deliveredAt: Date | null; attempts: number }[]> {
    if (eventIds.length === 0) return [];
    const rows = await this.db
      .select()
      .from(channelOutbox)
      .where(inArray(channelOutbox.eventId, eventIds))
      .orderBy(asc(channelOutbox.seq));
    return rows.map((r) => ({ event: ChannelEvent.parse(r.event), deliveredAt: r.deliveredAt, attempts: r.attempts }));
  }
}
