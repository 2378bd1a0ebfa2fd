import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface SseRead {
  events: EventSourceMessage[];
  comments: string[];
  /** True when the server ended the stream before `until` was met. */
  endedByServer: boolean;
}

/**
 * Reads a server-sent event stream until `until` holds (or the server ends it), then hangs up.
 * Bounded by `timeoutMs`: a stream that never satisfies the condition fails the test instead of hanging it.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; until: (read: SseRead) => boolean; timeoutMs?: number },
): Promise<SseRead> {
  const read: SseRead = { events: [], comments: [], endedByServer: false };
  const hangUp = new AbortController();
  const signal = AbortSignal.any([hangUp.signal, AbortSignal.timeout(options.timeoutMs ?? 60_000)]);
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...options.headers }, signal });
  if (!res.ok || res.body === null) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  const parser = createParser({ onEvent: (e) => read.events.push(e), onComment: (c) => read.comments.push(c) });
  const decoder = new TextDecoder();
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        read.endedByServer = true;
        return read;
      }
      parser.feed(decoder.decode(value, { stream: true }));
      if (options.until(read)) return read;
    }
  } finally {
    hangUp.abort();
    await reader.cancel().catch(() => {});
  }
}
