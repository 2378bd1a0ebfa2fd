import { EventSourceParserStream } from 'eventsource-parser/stream';
import { CommittedEvent, type Category } from '../../schemas/index.ts';
import { ApiError, CLIENT_ERROR } from './errors.ts';
import { errorOf, parseJson, type Http } from './http.ts';

export interface TailOptions {
  /** Resume after this commit sequence (what the last event's `sequence` was); from the start when absent. */
  after?: number;
  /** Ends the tail. */
  signal?: AbortSignal;
  /** Pause before the first reconnection of a stream that ended or broke; doubled after each further one in a row. */
  reconnectDelayMs?: number;
  /** The longest pause between reconnections, the server's Retry-After included. */
  reconnectDelayMaxMs?: number;
  /** Consecutive reconnections without an event before the tail gives up with the last error. */
  reconnectsMax?: number;
}

const RECONNECT_DELAY_MS_DEFAULT = 1_000;
const RECONNECTS_MAX_DEFAULT = 5;
const RECONNECT_DELAY_MAX_MS_DEFAULT = 30_000;

/**
 * The pause before reconnection number `failures` (1 for the first in a row): the server's
 * Retry-After when it gave one, else the base delay doubled per failure; never past `maxMs`.
 */
export function reconnectDelay(failures: number, error: unknown, baseMs: number, maxMs: number): number {
  const asked = error instanceof ApiError && error.retryAfterS !== undefined ? error.retryAfterS * 1_000 : undefined;
  return Math.min(asked ?? baseMs * 2 ** Math.max(0, failures - 1), maxMs);
}

/** A refusal that holds however often it is asked again (unknown channel, no access); 429 (slow down) is not one. */
const refusesForGood = (error: unknown): boolean => error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429;

/**
 * Committed events of a channel, in commit order, as they are committed. A stream that ends or
 * breaks, or that the server refuses for now (429, 5xx), is reopened with `Last-Event-ID` after a
 * bounded backoff (the server's Retry-After when given), so no event is skipped or repeated; a refusal
 * that holds (unknown channel, no access) ends the tail with that error at once.
 */
export async function* tailChannel(http: Http, channel: Category, options: TailOptions = {}): AsyncGenerator<CommittedEvent> {
  let after = options.after ?? 0;
  let failures = 0;
  const reconnectsMax = options.reconnectsMax ?? RECONNECTS_MAX_DEFAULT;
  const aborted = (): boolean => options.signal?.aborted === true;
  while (!aborted()) {
    let lastError: unknown;
    try {
      for await (const event of streamOnce(http, channel, after, options.signal)) {
        after = event.sequence;
        failures = 0;
        yield event;
      }
    } catch (error) {
      // The server refused: reconnecting would be refused again.
      if (refusesForGood(error)) throw error;
      if (aborted()) return;
      lastError = error;
    }
    failures++;
    if (failures > reconnectsMax) {
      throw lastError ?? new ApiError(CLIENT_ERROR.UNREACHABLE, `the ${channel} stream closed ${failures} times in a row without an event`, 0);
    }
    const delay = reconnectDelay(failures, lastError, options.reconnectDelayMs ?? RECONNECT_DELAY_MS_DEFAULT, options.reconnectDelayMaxMs ?? RECONNECT_DELAY_MAX_MS_DEFAULT);
    await pause(delay, options.signal);
  }
}

async function* streamOnce(http: Http, channel: Category, after: number, signal: AbortSignal | undefined): AsyncGenerator<CommittedEvent> {
  const response = await http.send(`/channels/${encodeURIComponent(channel)}/events`, {
    headers: http.headers({ accept: 'text/event-stream', ...(after > 0 ? { 'last-event-id': String(after) } : {}) }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw errorOf(response.status, await response.text(), response.headers.get('retry-after'));
  if (response.body === null) return;
  const messages = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const message of messages) {
    // Comments (heartbeats) never reach here; other event types are not committed events.
    if (message.event !== undefined && message.event !== 'attestation') continue;
    const parsed = CommittedEvent.safeParse(parseJson(message.data));
    if (!parsed.success) throw new ApiError(CLIENT_ERROR.BAD_RESPONSE, `a ${channel} stream event is not a committed event`, response.status, parsed.error.issues);
    yield parsed.data;
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
