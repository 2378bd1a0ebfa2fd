import type { CommittedEvent } from '../../schemas/index.ts';
import { invariant } from '../invariant.ts';

export type OfferOutcome = 'queued' | 'skipped' | 'overflow';

/**
 * The events one subscriber has been handed but not yet written, bounded by `capacity`: a consumer
 * slower than the commits fills it and is then dropped (it resumes from its Last-Event-ID and
 * catches up from storage, page by page), so a slow reader costs the server at most `capacity`
 * events, never a growing backlog. Events at or before what the subscriber already has are skipped.
 */
export class SubscriberQueue {
  private readonly events: CommittedEvent[] = [];
  private lastSequence: number;
  private dropped = false;

  constructor(
    private readonly capacity: number,
    cursor: number,
  ) {
    invariant(Number.isInteger(capacity) && capacity >= 1, 'a subscriber queue holds at least one event', { capacity });
    this.lastSequence = cursor;
  }

  get size(): number {
    return this.events.length;
  }

  get overflowed(): boolean {
    return this.dropped;
  }

  offer(event: CommittedEvent): OfferOutcome {
    if (this.dropped) return 'overflow';
    if (event.sequence <= this.lastSequence) return 'skipped';
    if (this.events.length >= this.capacity) {
      // Nothing queued will be written now: free it at once.
      this.dropped = true;
      this.events.length = 0;
      return 'overflow';
    }
    this.events.push(event);
    this.lastSequence = event.sequence;
    return 'queued';
  }

  take(): CommittedEvent | undefined {
    return this.events.shift();
  }

  /** The subscriber has everything up to `sequence` (read from storage): later offers start after it. */
  advanceTo(sequence: number): void {
    this.lastSequence = Math.max(this.lastSequence, sequence);
  }
}
