import { ServerResponse } from 'node:http';
import type { Context, Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { AppError } from '../../../runtime/errors.ts';
import { parseWith } from '../../../runtime/http.ts';
import { Category } from '../../../schemas/index.ts';
import { CommittedEventHub } from '../../channels/event-hub.ts';
import { runSubscription, type EventSink } from '../../channels/subscription.ts';
import type { ValidatorHttpDeps } from '../deps.ts';
import { NonNegativeIntText } from '../params.ts';

/** Events per database read: a subscriber far behind catches up in bounded pages. */
const STREAM_PAGE_EVENTS = 100;
/** Without a stored block to wake it, the node's reader looks for new commits this often. */
const STREAM_POLL_MS = 1_000;
/** A comment this often keeps proxies from closing an idle stream. */
const STREAM_HEARTBEAT_MS = 15_000;
const STREAM_BUFFER_EVENTS = 512;
/** A client that takes no bytes for this long is hung up on; it resumes from its Last-Event-ID. */
const STREAM_WRITE_STALL_MS = 30_000;
/** EventSource clients wait this long before they reconnect (after a hang-up for falling behind, say). */
const STREAM_RETRY_MS = 1_000;
/** A refused subscriber waits for another stream to end, which takes a while. */
const STREAM_RETRY_AFTER_S = 5;

export function channelRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  // Each open stream holds a connection and a bounded queue; the count is bounded so subscribers cannot exhaust either.
  let streamsOpen = 0;
  const hub = new CommittedEventHub({
    source: deps.repository,
    pageEvents: STREAM_PAGE_EVENTS,
    pollMs: STREAM_POLL_MS,
    signal: deps.shutdown,
    logger: deps.logger,
  });
  deps.consensus.onCommittedBlock(() => hub.wake());

  api.get('/channels', async (c) => c.json({ channels: await deps.repository.channelSummaries() }));

  /** Committed events of one channel as server-sent events; `id` is the commit sequence, so a client resumes where it left off. */
  api.get('/channels/:name/events', (c) => {
    const name = Category.safeParse(c.req.param('name'));
    if (!name.success) throw new AppError('CHANNEL_NOT_FOUND', `no channel named ${c.req.param('name')}; channels: ${Category.options.join(', ')}`);
    const after = resumePoint(c);
    if (streamsOpen >= deps.streamsMax) {
      throw new AppError('UNAVAILABLE', `this node serves ${deps.streamsMax} event streams already; try again later`, {
        retryAfterS: STREAM_RETRY_AFTER_S,
      });
    }
    // Taken here and given back when the stream's loop ends: the client went away, fell behind, or shutdown.
    streamsOpen++;
    return streamSSE(
      c,
      async (stream) => {
        const closed = new AbortController();
        stream.onAbort(() => closed.abort());
        const onShutdown = () => closed.abort();
        deps.shutdown.addEventListener('abort', onShutdown, { once: true });
        try {
          await stream.write(`retry: ${STREAM_RETRY_MS}\n\n`);
          const end = await runSubscription({
            hub,
            source: deps.repository,
            channel: name.data,
            after,
            sink: sseSink(stream),
            bufferEvents: deps.streamBufferEvents ?? STREAM_BUFFER_EVENTS,
            pageEvents: STREAM_PAGE_EVENTS,
            heartbeatMs: deps.streamHeartbeatMs ?? STREAM_HEARTBEAT_MS,
            writeStallMs: STREAM_WRITE_STALL_MS,
            closed: AbortSignal.any([closed.signal, deps.shutdown]),
          });
          if (end !== 'closed') {
            deps.logger.info({ channel: name.data, reason: end }, 'event stream dropped: the client fell behind; it resumes from its Last-Event-ID');
            hangUp(c, stream);
          }
        } finally {
          deps.shutdown.removeEventListener('abort', onShutdown);
          streamsOpen--;
        }
      },
      async (error) => {
        if (!deps.shutdown.aborted) deps.logger.warn({ err: error, channel: name.data }, 'channel stream failed');
      },
    );
  });
}

function sseSink(stream: SSEStreamingApi): EventSink {
  return {
    write: (committed) => stream.writeSSE({ id: String(committed.sequence), event: 'attestation', data: JSON.stringify(committed) }),
    heartbeat: async () => {
      await stream.write(': heartbeat\n\n');
    },
  };
}

/**
 * Ends a stream whose client is not reading: its pending writes are dropped, and the socket is
 * destroyed, since ending it politely would wait for the client to drain what is buffered.
 */
function hangUp(c: Context, stream: SSEStreamingApi): void {
  stream.abort();
  const outgoing: unknown = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  if (outgoing instanceof ServerResponse) outgoing.destroy();
}

/** Last-Event-ID (a reconnecting EventSource) wins over `?after=`; neither means from the start. */
function resumePoint(c: Context): number {
  const header = c.req.header('last-event-id');
  if (header !== undefined && header !== '') return parseWith(NonNegativeIntText, header, 'header Last-Event-ID:');
  const query = c.req.query('after');
  if (query !== undefined) return parseWith(NonNegativeIntText, query, 'query parameter after:');
  return 0;
}
