import type { Context, Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { AppError } from '../../../runtime/errors.ts';
import { parseWith } from '../../../runtime/http.ts';
import { Category } from '../../../schemas/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';
import { NonNegativeIntText } from '../params.ts';

/** Events per database read: a subscriber far behind catches up in bounded pages. */
const STREAM_PAGE_EVENTS = 100;
/** How often an idle stream looks for new commits. */
const STREAM_POLL_MS = 500;
/** A comment this often keeps proxies from closing an idle stream. */
const STREAM_HEARTBEAT_MS = 15_000;
/** A refused subscriber waits for another stream to end, which takes a while. */
const STREAM_RETRY_AFTER_S = 5;

export function channelRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  // Each open stream holds a connection and polls storage; the count is bounded so subscribers cannot exhaust either.
  let streamsOpen = 0;

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
    // Taken here and given back when the stream's loop ends: the client went away, or shutdown.
    streamsOpen++;
    return streamSSE(
      c,
      async (stream) => {
        try {
          await streamChannel(stream, deps, name.data, after);
        } finally {
          streamsOpen--;
        }
      },
      async (error) => {
        if (!deps.shutdown.aborted) deps.logger.warn({ err: error, channel: name.data }, 'channel stream failed');
      },
    );
  });
}

/** Last-Event-ID (a reconnecting EventSource) wins over `?after=`; neither means from the start. */
function resumePoint(c: Context): number {
  const header = c.req.header('last-event-id');
  if (header !== undefined && header !== '') return parseWith(NonNegativeIntText, header, 'header Last-Event-ID:');
  const query = c.req.query('after');
  if (query !== undefined) return parseWith(NonNegativeIntText, query, 'query parameter after:');
  return 0;
}

async function streamChannel(stream: SSEStreamingApi, deps: ValidatorHttpDeps, channel: Category, from: number): Promise<void> {
  let after = from;
  let lastWriteMs = deps.nowMs();
  const open = () => !stream.aborted && !stream.closed && !deps.shutdown.aborted;
  while (open()) {
    const page = await deps.repository.committedEventsAfter(channel, after, STREAM_PAGE_EVENTS);
    for (const committed of page) {
      await stream.writeSSE({ id: String(committed.sequence), event: 'attestation', data: JSON.stringify(committed) });
      after = committed.sequence;
      lastWriteMs = deps.nowMs();
    }
    // A full page means more may be waiting: read on without pausing.
    if (page.length === STREAM_PAGE_EVENTS) continue;
    if (deps.nowMs() - lastWriteMs >= STREAM_HEARTBEAT_MS) {
      await stream.write(': heartbeat\n\n');
      lastWriteMs = deps.nowMs();
    }
    await stream.sleep(STREAM_POLL_MS);
  }
}
