import type { Category, CommittedEvent } from '../../schemas/index.ts';
import type { CommittedEventHub, CommittedEventSource, HubSubscriber } from './event-hub.ts';
import { SubscriberQueue } from './subscriber-queue.ts';

/** Where a subscription writes: an SSE stream in production. A write resolves once the transport took it (backpressure). */
export interface EventSink {
  write(event: CommittedEvent): Promise<void>;
  heartbeat(): Promise<void>;
}

/**
 * Why a subscription ended: the client went away or the node shuts down ('closed'); it fell more
 * than its buffer behind the commits ('overflow'); or one write did not complete in time ('stalled').
 * The last two should hang up on the client, which then resumes from its Last-Event-ID.
 */
export type SubscriptionEnd = 'closed' | 'overflow' | 'stalled';

export interface SubscriptionOptions {
  hub: CommittedEventHub;
  source: CommittedEventSource;
  channel: Category;
  /** Sequence of the last event the client has; 0 for the whole channel. */
  after: number;
  sink: EventSink;
  bufferEvents: number;
  pageEvents: number;
  heartbeatMs: number;
  writeStallMs: number;
  /** Aborted when the client goes away or the node shuts down. */
  closed: AbortSignal;
}

/**
 * Streams one channel's committed events to one client: first from storage in pages (a client far
 * behind costs one page at a time, paced by its own reads), then live from the hub through a
 * bounded queue; a comment every `heartbeatMs` while nothing is written.
 */
export async function runSubscription(options: SubscriptionOptions): Promise<SubscriptionEnd> {
  const { hub, source, channel, sink, pageEvents, closed } = options;
  const isOpen = () => !closed.aborted;
  const queue = new SubscriberQueue(options.bufferEvents, options.after);
  const dropped = new AbortController();
  let notify: (() => void) | null = null;
  const subscriber: HubSubscriber = {
    channel,
    deliver(event) {
      if (queue.offer(event) === 'overflow') {
        hub.detach(subscriber);
        dropped.abort();
      }
      notify?.();
    },
  };
  /** False when the write stalled past writeStallMs or the subscriber was dropped meanwhile. */
  const interrupted = AbortSignal.any([dropped.signal, closed]);
  const written = (work: Promise<void>): Promise<boolean> => raceWrite(work, options.writeStallMs, interrupted);

  const endOfFailedWrite = (): SubscriptionEnd => (closed.aborted ? 'closed' : queue.overflowed ? 'overflow' : 'stalled');

  try {
    await hub.ready();
    let cursor = options.after;
    for (;;) {
      if (!isOpen()) return 'closed';
      const hubHead = hub.headSequence;
      const page = await source.committedEventsAfter(channel, cursor, pageEvents);
      for (const committed of page) {
        if (!(await written(sink.write(committed)))) return closed.aborted ? 'closed' : 'stalled';
        cursor = committed.sequence;
      }
      if (page.length === pageEvents) continue;
      queue.advanceTo(cursor);
      // Everything of this channel up to the hub's head (as of before the read) and up to the page's end is written.
      if (hub.attach(subscriber, Math.max(hubHead, page.at(-1)?.sequence ?? 0))) break;
    }

    let lastWriteMs = Date.now();
    while (isOpen()) {
      if (queue.overflowed) return 'overflow';
      const next = queue.take();
      if (next !== undefined) {
        if (!(await written(sink.write(next)))) return endOfFailedWrite();
        lastWriteMs = Date.now();
        continue;
      }
      const quietMs = Date.now() - lastWriteMs;
      if (quietMs >= options.heartbeatMs) {
        if (!(await written(sink.heartbeat()))) return endOfFailedWrite();
        lastWriteMs = Date.now();
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.heartbeatMs - quietMs);
        function done() {
          clearTimeout(timer);
          closed.removeEventListener('abort', done);
          notify = null;
          resolve();
        }
        closed.addEventListener('abort', done, { once: true });
        notify = done;
      });
    }
    return 'closed';
  } finally {
    hub.detach(subscriber);
  }
}

/** Resolves true when `work` completes, false when it takes over `stallMs` or `interrupted` fires first. */
function raceWrite(work: Promise<void>, stallMs: number, interrupted: AbortSignal): Promise<boolean> {
  if (interrupted.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      interrupted.removeEventListener('abort', onDrop);
      resolve(ok);
    };
    const onDrop = () => finish(false);
    const timer = setTimeout(() => finish(false), stallMs);
    interrupted.addEventListener('abort', onDrop, { once: true });
    work.then(
      () => finish(true),
      () => finish(false),
    );
  });
}
