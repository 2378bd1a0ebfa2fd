import type { Logger } from '../../runtime/logger.ts';
import { AppError, isAppError } from '../../runtime/errors.ts';
import { sleep, type Clock } from '../clock.ts';
import type { OutboxRepository } from '../storage/index.ts';
import { retryDelayMs } from './backoff.ts';
import type { ChannelTransport, DeliveryReceipt } from './transport.ts';

/** Even without a wake-up, the outbox is looked at this often (events written by another process, missed wakes). */
export const CHANNEL_POLL_MS = 1_000;

export interface ChannelStatus {
  pending: number;
  delivered: number;
  refused: number;
  /** Why the last delivery failed; null once a delivery succeeds again. */
  lastError: string | null;
  consecutiveFailures: number;
}

export interface PublisherOptions {
  outbox: OutboxRepository;
  transport: ChannelTransport;
  batchMax: number;
  retryBaseMs: number;
  clock: Clock;
  random: () => number;
  logger: Logger;
  pollMs?: number;
}

/**
 * Moves the outbox to the validator: oldest undelivered events first, in batches; marks
 * delivered what the validator reports committed; backs off while it cannot deliver.
 * Nothing leaves the outbox uncommitted, so delivery is at-least-once and a restart resumes.
 */
export class ChannelPublisher {
  private lastError: string | null = null;
  private consecutiveFailures = 0;
  private wakeRequested = false;
  private wakeIdle: (() => void) | null = null;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(private readonly options: PublisherOptions) {}

  start(): void {
    if (this.loop !== null) return;
    this.loop = this.run();
  }

  /** A new event is in the outbox: deliver now rather than at the next poll (but never cut a backoff short). */
  wake(): void {
    this.wakeRequested = true;
    this.wakeIdle?.();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeIdle?.();
    await this.loop;
  }

  async status(): Promise<ChannelStatus> {
    const counts = await this.options.outbox.counts();
    return { ...counts, lastError: this.lastError, consecutiveFailures: this.consecutiveFailures };
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      let outcome: 'idle' | 'progress';
      try {
        outcome = await this.deliverBatch(signal);
      } catch (err) {
        if (signal.aborted) break;
        this.consecutiveFailures += 1;
        this.lastError = err instanceof Error ? err.message : String(err);
        const retryAfterS = isAppError(err) ? err.retryAfterS : undefined;
        const delayMs = retryDelayMs(this.consecutiveFailures, this.options.retryBaseMs, this.options.random, (retryAfterS ?? 0) * 1000);
        this.options.logger.warn({ err, failures: this.consecutiveFailures, retryInMs: delayMs }, 'channel delivery failed');
        await sleep(this.options.clock, delayMs, signal);
        continue;
      }
      if (outcome === 'progress') continue;
      await this.idle(signal);
    }
  }

  /** One round: deliver the oldest pending batch. Throws when nothing of it could be committed. */
  private async deliverBatch(signal: AbortSignal): Promise<'idle' | 'progress'> {
    this.wakeRequested = false;
    const batch = await this.options.outbox.pending(this.options.batchMax);
    if (batch.length === 0) {
      this.clearFailure();
      return 'idle';
    }
    const seqs = batch.map((p) => p.seq);
    let receipt: DeliveryReceipt;
    try {
      receipt = await this.options.transport.deliver(
        batch.map((p) => p.event),
        signal,
      );
    } catch (err) {
      await this.options.outbox.recordAttempt({ attemptedSeqs: seqs, committedSeqs: [], refused: [] }, this.options.clock.now());
      throw err;
    }
    const committedIds = new Set(receipt.committedIds);
    const refusals = new Map(receipt.refused.map((r) => [r.eventId, r.reason]));
    const committedSeqs = batch.filter((p) => committedIds.has(p.event.id)).map((p) => p.seq);
    const refused = batch.flatMap((p) => {
      const reason = refusals.get(p.event.id);
      return reason === undefined ? [] : [{ seq: p.seq, reason }];
    });
    await this.options.outbox.recordAttempt({ attemptedSeqs: seqs, committedSeqs, refused }, this.options.clock.now());
    // A refused event is a bug upstream of the ledger (it should never have been published): loud, but it must not block the queue.
    for (const r of refused) this.options.logger.error({ seq: r.seq, reason: r.reason }, 'the ledger refused a channel event; set aside');
    if (committedSeqs.length + refused.length === 0) {
      throw new AppError('UNAVAILABLE', `the validator answered for none of a batch of ${batch.length} events`);
    }
    this.clearFailure();
    this.options.logger.debug({ delivered: committedSeqs.length, batch: batch.length }, 'channel batch delivered');
    return 'progress';
  }

  private clearFailure(): void {
    if (this.consecutiveFailures > 0) this.options.logger.info({ failures: this.consecutiveFailures }, 'channel delivery recovered');
    this.consecutiveFailures = 0;
    this.lastError = null;
  }

  /** Waits for a wake-up, the poll interval or stop, whichever comes first. */
  private async idle(signal: AbortSignal): Promise<void> {
    if (this.wakeRequested || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const cancel = this.options.clock.setTimer(this.options.pollMs ?? CHANNEL_POLL_MS, () => done());
      const done = () => {
        cancel();
        this.wakeIdle = null;
        resolve();
      };
      this.wakeIdle = done;
    });
  }
}
