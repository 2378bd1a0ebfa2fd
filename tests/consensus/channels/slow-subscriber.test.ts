/**
 * A subscriber that stops reading, over a real socket: once the socket's buffers are full and more
 * than SSE_SUBSCRIBER_BUFFER_EVENTS events wait for it, the validator hangs up on it and frees its
 * stream slot (with SSE_STREAMS_MAX 1, the next subscriber is admitted), instead of queueing the
 * commits for it without bound. The stalled client, reading again, finds its stream ended, and
 * resumes from its last id without a gap.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../../runtime/node.ts';
import type { ChannelEvent } from '../../../schemas/index.ts';
import { tempDir } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';
import { CHANNEL_TEST_SECRET, CLUSTER_HEADERS, eventIdsOf, startChannelValidator, uniqueStreamPrefix, weatherEvents } from './support.ts';
import { readSse } from './sse-reader.ts';

/**
 * Enough bytes to fill loopback socket buffers (here up to 4 MB sent and unread) about four times
 * over: events of about 2.7 KB (the quality reasons padded), 16 MB in all.
 */
const EVENTS = 6_000;
const REASON_PAD = 'x'.repeat(120);
/** Under the 1 MB body limit of one delivery. */
const DELIVERY_EVENTS = 250;
const TEST_TIMEOUT_MS = 300_000;

describe('a subscriber that stops reading', () => {
  const dir = tempDir('slow-subscriber');
  let node: RunningNode;

  beforeAll(async () => {
    node = await startChannelValidator({
      backend: 'http',
      dataDir: dir.path,
      streamPrefix: uniqueStreamPrefix('slow'),
      env: { SSE_SUBSCRIBER_BUFFER_EVENTS: '16', SSE_STREAMS_MAX: '1', BLOCK_TXS_MAX: '1000' },
    });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await node?.close();
    dir.remove();
  });

  /** Opens the stream on a raw socket and stops reading right after the response head. */
  const openStalled = async (): Promise<{ socket: Socket; head: string; closed: Promise<void> }> => {
    const { hostname, port } = new URL(node.url);
    const socket = connect(Number(port), hostname);
    // From the start: a reset arrives (and closes the socket) even while it is paused.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      `GET /api/v11/channels/weather/events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\nx-cluster-token: ${CHANNEL_TEST_SECRET}\r\n\r\n`,
    );
    const head = await new Promise<string>((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (!text.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        socket.pause();
        resolve(text);
      };
      socket.on('data', onData);
      socket.once('error', reject);
    });
    return { socket, head, closed };
  };

  const deliver = async (events: ChannelEvent[]) => {
    const res = await fetch(`${node.url}/api/v11/internal/channel-events`, {
      method: 'POST',
      headers: { ...CLUSTER_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    expect(res.status).toBe(200);
  };

  it('is hung up on, its slot freed, and resumes from its last id without a gap', async () => {
    const stalled = await openStalled();
    expect(stalled.head).toMatch(/^HTTP\/1\.1 200/);
    const ids = eventIdsOf(EVENTS, 'slow');
    const events = weatherEvents(ids).map((e) => ({ ...e, quality: { ...e.quality, checks: e.quality.checks.map((c) => ({ ...c, reason: REASON_PAD })) } }));
    for (let i = 0; i < events.length; i += DELIVERY_EVENTS) await deliver(events.slice(i, i + DELIVERY_EVENTS));

    // The only stream slot comes free once the node has given up on the stalled subscriber.
    await eventually(async () => {
      const res = await fetch(`${node.url}/api/v11/channels/weather/events?after=999999999999999`, { headers: CLUSTER_HEADERS, signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      if (res === undefined) return undefined;
      await res.body?.cancel();
      return res.status === 200 ? true : undefined;
    }, 300);

    // Reading again, the stalled client gets what was still buffered for it (if the hang-up did not discard it), then the end.
    let received = '';
    stalled.socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    stalled.socket.resume();
    await stalled.closed;
    const lastIds = [...received.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]!);
    expect(lastIds.length).toBeLessThan(EVENTS);
    const lastId = lastIds.at(-1) ?? '0';
    const deliveredIds = [...received.matchAll(/"event":\{"id":"(evt-slow-\d+)"/g)].map((m) => m[1]!);

    const rest = await readSse(`${node.url}/api/v11/channels/weather/events`, {
      headers: { ...CLUSTER_HEADERS, 'last-event-id': lastId },
      until: (r) => r.events.length >= EVENTS - lastIds.length,
      timeoutMs: 120_000,
    });
    const resumedIds = rest.events.map((e) => (JSON.parse(e.data) as { event: ChannelEvent }).event.id);
    expect([...deliveredIds.slice(0, lastIds.length), ...resumedIds]).toEqual(ids);
  }, TEST_TIMEOUT_MS);
});
