/**
 * Through the gateway a reconnecting subscriber may reach any validator or business node: the
 * Last-Event-ID it got from one must mean the same on the others. Events carry the same sequence
 * on every member of a Raft group, so a stream resumed on another member continues without a gap
 * or a repeat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelEvent } from '../../../schemas/index.ts';
import { CLUSTER_TEST_SECRET, startCluster, type TestCluster } from '../../support/cluster.ts';
import { eventually } from '../../support/network.ts';
import { committedCount, eventIdsOf, weatherEvents } from './support.ts';
import { readSse } from './sse-reader.ts';

const HEADERS = { 'x-cluster-token': CLUSTER_TEST_SECRET };
const TEST_TIMEOUT_MS = 180_000;

describe('resuming an event stream on another member', () => {
  let cluster: TestCluster;
  const ids = eventIdsOf(8, 'cross');

  beforeAll(async () => {
    cluster = await startCluster({ voters: 3, learners: 1 });
    const first = cluster.members[0]!;
    // Two deliveries, so the events span more than one block.
    for (const batch of [ids.slice(0, 5), ids.slice(5)]) {
      await eventually(async () => {
        const res = await fetch(`${first.url}/api/v11/internal/channel-events`, {
          method: 'POST',
          headers: { ...HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({ events: weatherEvents(batch) }),
        }).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      }, 150);
    }
    for (const m of cluster.members) await eventually(async () => ((await committedCount(m.url, HEADERS)) === ids.length ? true : undefined), 300);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await cluster?.close();
  });

  const streamOf = (url: string) => `${url}/api/v11/channels/weather/events`;
  const idsOf = (events: { data: string }[]) => events.map((e) => (JSON.parse(e.data) as { event: ChannelEvent }).event.id);

  it('gives every event the same id on every member', async () => {
    const perMember = await Promise.all(
      cluster.members.map((m) => readSse(streamOf(m.url), { headers: HEADERS, until: (r) => r.events.length >= ids.length })),
    );
    const first = perMember[0]!.events.map((e) => e.id);
    for (const read of perMember) expect(read.events.map((e) => e.id)).toEqual(first);
  }, TEST_TIMEOUT_MS);

  it('continues on a business node exactly after the last event read from a validator', async () => {
    const validator = cluster.members.find((m) => m.role === 'validator')!;
    const learner = cluster.members.find((m) => m.role === 'business')!;
    const head = await readSse(streamOf(validator.url), { headers: HEADERS, until: (r) => r.events.length >= 3 });
    const rest = await readSse(streamOf(learner.url), {
      headers: { ...HEADERS, 'last-event-id': head.events[2]!.id! },
      until: (r) => r.events.length >= ids.length - 3,
    });
    // One read may bring more than three events: the client has (and resumes after) the third.
    expect([...idsOf(head.events.slice(0, 3)), ...idsOf(rest.events)]).toEqual(ids);
  }, TEST_TIMEOUT_MS);
});
