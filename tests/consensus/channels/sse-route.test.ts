/**
 * GET /api/v11/channels/:name/events on a real validator (the embedded backend): committed events
 * as server-sent events, resumable with Last-Event-ID, with heartbeats on an idle stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../../runtime/node.ts';
import type { ChannelEvent } from '../../../schemas/index.ts';
import { tempDir } from '../../support/databases.ts';
import { CLUSTER_HEADERS, eventIdsOf, startChannelValidator, uniqueStreamPrefix, weatherEvents } from './support.ts';
import { readSse } from './sse-reader.ts';

const TEST_TIMEOUT_MS = 60_000;

describe('channel event stream over HTTP', () => {
  const dir = tempDir('sse-route');
  let node: RunningNode;
  const ids = eventIdsOf(6, 'sse');

  beforeAll(async () => {
    node = await startChannelValidator({ backend: 'http', dataDir: dir.path, streamPrefix: uniqueStreamPrefix('sse'), env: { SSE_HEARTBEAT_MS: '100' } });
    const res = await fetch(`${node.url}/api/v11/internal/channel-events`, {
      method: 'POST',
      headers: { ...CLUSTER_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ events: weatherEvents(ids) }),
    });
    expect(res.status).toBe(200);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await node?.close();
    dir.remove();
  });

  const stream = () => `${node.url}/api/v11/channels/weather/events`;
  const idsOf = (events: { data: string }[]) => events.map((e) => (JSON.parse(e.data) as { event: ChannelEvent }).event.id);

  it('streams the committed events of the channel in commit order, each with its sequence as id', async () => {
    const read = await readSse(stream(), { headers: CLUSTER_HEADERS, until: (r) => r.events.length >= 6 });
    expect(idsOf(read.events)).toEqual(ids);
    expect(read.events.every((e) => e.event === 'attestation' && /^\d+$/.test(e.id ?? ''))).toBe(true);
  }, TEST_TIMEOUT_MS);

  it('resumes after the Last-Event-ID with exactly the later events', async () => {
    const first = await readSse(stream(), { headers: CLUSTER_HEADERS, until: (r) => r.events.length >= 2 });
    const lastEventId = first.events[1]!.id!;
    const resumed = await readSse(stream(), { headers: { ...CLUSTER_HEADERS, 'last-event-id': lastEventId }, until: (r) => r.events.length >= 4 });
    expect(idsOf(resumed.events)).toEqual(ids.slice(2));
  }, TEST_TIMEOUT_MS);

  it('sends heartbeat comments while nothing new is committed', async () => {
    const read = await readSse(stream(), { headers: CLUSTER_HEADERS, until: (r) => r.events.length >= 6 && r.comments.length >= 2 });
    expect(read.comments.filter((c) => c.trim() === 'heartbeat').length).toBeGreaterThanOrEqual(2);
  }, TEST_TIMEOUT_MS);

  it('answers a Last-Event-ID that is not a sequence with 400 naming the header', async () => {
    const res = await fetch(stream(), { headers: { ...CLUSTER_HEADERS, 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain('Last-Event-ID');
  }, TEST_TIMEOUT_MS);
});
