import type { Logger } from '../../runtime/logger.ts';
import type { Category, CommittedEvent } from '../../schemas/index.ts';
import type { ConsensusRepository } from '../storage/repository.ts';

export type CommittedEventSource = Pick<ConsensusRepository, 'committedEventsSince' | 'committedEventsAfter' | 'lastCommittedSequence'>;

/** One live subscriber: the hub hands it each new committed event of its channel, synchronously. */
export interface HubSubscriber {
  readonly channel: Category;
  deliver(event: CommittedEvent): void;
}

export interface CommittedEventHubOptions {
  source: CommittedEventSource;
  /** Events per storage read. */
  pageEvents: number;
  /** Without a wake-up (a block stored), storage is looked at this often: snapshot installs, missed wakes. */
  pollMs: number;
  signal: AbortSignal;
  logger: Logger;
}

/**
 * One reader of new commits per node, fanned out to every live subscriber: storage is read once per
 * block, not once per subscriber. Subscribers catch up from storage on their own and attach here
 * only once they have read up to the hub's head, so between the two nothing is missed; what they
 * are handed twice (read and fanned out) their queue skips by sequence.
 */
export class CommittedEventHub {
  private head = 0;
  private readonly subscribers = new Set<HubSubscriber>();
  private started: Promise<void> | null = null;
  private wakeRequested = false;
  private wakeIdle: (() => void) | null = null;

  constructor(private readonly options: CommittedEventHubOptions) {}

  /** The sequence up to which every committed event has been handed to the subscribers attached at the time. */
  get headSequence(): number {
    return this.head;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /**
   * Starts reading on first use: a node nobody subscribes to reads nothing. A failed start (storage
   * briefly down) is forgotten, so the next subscriber tries again rather than failing until restart.
   */
  ready(): Promise<void> {
    this.started ??= (async () => {
      try {
        this.head = await this.options.source.lastCommittedSequence();
      } catch (err) {
        this.started = null;
        throw err;
      }
      void this.run();
    })();
    return this.started;
  }

  /** A block was stored: look for its events now rather than at the next poll. */
  wake(): void {
    this.wakeRequested = true;
    this.wakeIdle?.();
  }

  /**
   * Attaches a subscriber that has read its channel up to `readUpTo` (a sequence seen in storage);
   * refused (false) while the hub is ahead of it, so it reads on from storage first.
   */
  attach(subscriber: HubSubscriber, readUpTo: number): boolean {
    // With nobody attached the hub stops reading: its head may be stale, and the newcomer has read past it.
    if (this.subscribers.size === 0) this.head = Math.max(this.head, readUpTo);
    if (readUpTo < this.head) return false;
    this.subscribers.add(subscriber);
    return true;
  }

  detach(subscriber: HubSubscriber): void {
    this.subscribers.delete(subscriber);
  }

  private async run(): Promise<void> {
    const { signal } = this.options;
    while (!signal.aborted) {
      this.wakeRequested = false;
      if (this.subscribers.size > 0) {
        try {
          await this.readNew();
        } catch (err) {
          if (signal.aborted) break;
          this.options.logger.warn({ err }, 'reading committed events for the event streams failed; retrying at the next poll');
        }
      }
      await this.idle();
    }
  }

  private async readNew(): Promise<void> {
    const { source, pageEvents } = this.options;
    for (;;) {
      const page = await source.committedEventsSince(this.head, pageEvents);
      for (const committed of page) {
        for (const s of this.subscribers) if (s.channel === committed.event.channel) s.deliver(committed);
        this.head = Math.max(this.head, committed.sequence);
      }
      if (page.length < pageEvents || this.subscribers.size === 0) return;
    }
  }

  private idle(): Promise<void> {
    if (this.wakeRequested || this.options.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.options.signal.removeEventListener('abort', done);
        this.wakeIdle = null;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollMs);
      this.options.signal.addEventListener('abort', done, { once: true });
      this.wakeIdle = done;
    });
  }
}
