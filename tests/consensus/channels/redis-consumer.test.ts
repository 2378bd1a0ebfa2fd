/**
 * The leader validator's consumer of the Redis channels (consensus/channels), against the real
 * Redis and a real validator in this process: acknowledgement only after the commit, claims of
 * what a crashed consumer left pending, restarts, dead letters and trimming.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../../runtime/node.ts';
import { tempDir } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';
import {
  appendToChannel,
  committedCount,
  CONSUMER_GROUP,
  deleteStreams,
  eventIdsOf,
  pendingCount,
  startChannelValidator,
  TEST_REDIS_URL,
  uniqueStreamPrefix,
  weatherEvents,
  weatherStream,
} from './support.ts';

const TEST_TIMEOUT_MS = 120_000;
/** Polls of a condition, 200 ms apart: a minute on a loaded machine. */
const POLLS_MAX = 300;

describe.skipIf(TEST_REDIS_URL === undefined)('Redis channel consumer', () => {
  let redis: Redis;
  let prefix: string;
  let dir: ReturnType<typeof tempDir>;
  let node: RunningNode | undefined;

  beforeEach(() => {
    redis = new Redis(TEST_REDIS_URL!);
    prefix = uniqueStreamPrefix('consumer');
    dir = tempDir('channel-consumer');
  });
  afterEach(async () => {
    await node?.close();
    node = undefined;
    await deleteStreams(redis, prefix);
    redis.disconnect();
    dir.remove();
  });

  const start = async () => {
    node = await startChannelValidator({ backend: 'redis', dataDir: dir.path, streamPrefix: prefix });
    return node;
  };
  /** Waits until the node has committed `n` weather events and the group holds nothing unacknowledged. */
  const settled = (url: string, n: number) =>
    eventually(async () => ((await committedCount(url)) === n && (await pendingCount(redis, weatherStream(prefix))) === 0 ? true : undefined), POLLS_MAX);

  it('commits every appended event once and acknowledges it', async () => {
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(25, 'once')));
    const { url } = await start();
    await settled(url, 25);
    expect(await committedCount(url)).toBe(25);
  }, TEST_TIMEOUT_MS);

  it('commits an event appended twice (a worker killed before its outbox noted the append) once, acknowledging both entries', async () => {
    const events = weatherEvents(eventIdsOf(5, 'twice'));
    await appendToChannel(TEST_REDIS_URL!, prefix, events);
    await appendToChannel(TEST_REDIS_URL!, prefix, events);
    const { url } = await start();
    await settled(url, 5);
    expect(await committedCount(url)).toBe(5);
  }, TEST_TIMEOUT_MS);

  it('claims and commits what a crashed leader read but never acknowledged', async () => {
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(8, 'claimed')));
    // A leader that read the entries and died before committing them: they stay pending under its name.
    await redis.xgroup('CREATE', weatherStream(prefix), CONSUMER_GROUP, '0', 'MKSTREAM');
    await redis.xreadgroup('GROUP', CONSUMER_GROUP, 'crashed-leader', 'COUNT', 100, 'STREAMS', weatherStream(prefix), '>');
    expect(await pendingCount(redis, weatherStream(prefix))).toBe(8);
    const { url } = await start();
    await settled(url, 8);
    expect(await committedCount(url)).toBe(8);
  }, TEST_TIMEOUT_MS);

  it('loses nothing and applies nothing twice when the validator restarts between appends', async () => {
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(30, 'restart')));
    const first = await start();
    await eventually(async () => ((await committedCount(first.url)) > 0 ? true : undefined), POLLS_MAX);
    await first.close();
    node = undefined;
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(30, 'restart', 30)));
    const second = await start();
    await settled(second.url, 60);
    expect(await committedCount(second.url)).toBe(60);
  }, TEST_TIMEOUT_MS);

  it('moves an entry that is not a channel event to the dead-letter stream and commits the ones after it', async () => {
    await redis.xadd(weatherStream(prefix), '*', 'event', '{"not":"an event"}');
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(3, 'after-poison')));
    const { url } = await start();
    await settled(url, 3);
    const dead = (await redis.xrange(`${prefix}dead-letter`, '-', '+')) as [string, string[]][];
    expect(dead).toHaveLength(1);
    expect(dead[0]![1]).toContain('INVALID_ENTRY');
  }, TEST_TIMEOUT_MS);

  it('trims acknowledged entries, so a stream holds only what is in flight', async () => {
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(eventIdsOf(20, 'trim')));
    const { url } = await start();
    await settled(url, 20);
    // The entry last delivered to the group is kept as the trim point; everything before it goes.
    await eventually(async () => ((await redis.xlen(weatherStream(prefix))) <= 1 ? true : undefined), POLLS_MAX);
  }, TEST_TIMEOUT_MS);
});
