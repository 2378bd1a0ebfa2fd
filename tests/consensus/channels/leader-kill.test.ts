/**
 * Redis channels across a leader crash (issue 6, item 3), with real processes: three validators
 * consume the channel through Redis while a producer keeps appending; the leader is killed with
 * SIGKILL mid-flight and restarted. At the end every appended event is committed on every member,
 * exactly once (each member's channel holds as many events as distinct ids were appended, and the
 * ledger's event table admits an id once), and the consumer group holds nothing unacknowledged.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_TOKEN_HEADER, startProcessCluster, type ProcessCluster } from '../../support/cluster-processes.ts';
import { eventually } from '../../support/network.ts';
import { appendToChannel, committedCount, deleteStreams, eventIdsOf, pendingCount, TEST_REDIS_URL, uniqueStreamPrefix, weatherEvents, weatherStream } from './support.ts';

const BATCHES = 20;
const EVENTS_PER_BATCH = 10;
const BATCH_PAUSE_MS = 100;
/** The new leader claims what the dead one read after this long without an acknowledgement. */
const CLAIM_IDLE_MS = 2_000;
const POLLS_MAX = 600;
const TEST_TIMEOUT_MS = 400_000;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(TEST_REDIS_URL === undefined)('Redis channels when the leader is killed mid-flight', () => {
  const prefix = uniqueStreamPrefix('leader-kill');
  let redis: Redis;
  let cluster: ProcessCluster;

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL!);
    cluster = await startProcessCluster({
      voters: 3,
      learners: 0,
      env: { REDIS_URL: TEST_REDIS_URL!, CHANNEL_STREAM_PREFIX: prefix, CHANNEL_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS), DIRECTORY_NAMESPACE: prefix.replaceAll(':', '-').slice(0, 60) },
    });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await cluster?.close();
    await deleteStreams(redis, prefix);
    redis.disconnect();
  });

  it('commits every event exactly once on every member and leaves nothing unacknowledged', async () => {
    const leader = await cluster.leader();
    // The producer runs through the crash: half its batches before the kill, half while the group elects and claims.
    const producing = (async () => {
      for (let b = 0; b < BATCHES; b += 1) {
        await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(EVENTS_PER_BATCH, 'kill', b * EVENTS_PER_BATCH)));
        await pause(BATCH_PAUSE_MS);
      }
    })();
    await eventually(async () => ((await committedCount(cluster.url(leader), CLUSTER_TOKEN_HEADER)) > 0 ? true : undefined), POLLS_MAX);
    await cluster.kill(leader, 'SIGKILL');
    await producing;
    await cluster.restart(leader);

    const total = BATCHES * EVENTS_PER_BATCH;
    for (const m of cluster.members) {
      await eventually(async () => ((await committedCount(cluster.url(m.id), CLUSTER_TOKEN_HEADER).catch(() => -1)) === total ? true : undefined), POLLS_MAX);
    }
    await eventually(async () => ((await pendingCount(redis, weatherStream(prefix))) === 0 ? true : undefined), POLLS_MAX);
    for (const m of cluster.members) expect(await committedCount(cluster.url(m.id), CLUSTER_TOKEN_HEADER)).toBe(total);
  }, TEST_TIMEOUT_MS);
});
