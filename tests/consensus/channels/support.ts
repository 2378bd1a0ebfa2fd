import { Redis } from 'ioredis';
import { startValidator } from '../../../consensus/index.ts';
import { loadConfig } from '../../../runtime/config.ts';
import type { RunningNode } from '../../../runtime/node.ts';
import { channelStreamKey, type ChannelBackend, type ChannelEvent } from '../../../schemas/index.ts';
import { RedisStreamChannelTransport } from '../../../slim/channel/redis-transport.ts';
import { silentLogger, weatherEvent } from '../fixtures.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL;
export const CHANNEL_TEST_SECRET = 'channel-test-secret-0123456789';
export const CLUSTER_HEADERS = { 'x-cluster-token': CHANNEL_TEST_SECRET } as const;
export const CONSUMER_GROUP = 'validators';

/** A stream key prefix no other test (or run) uses, so tests sharing one Redis never see each other's entries. */
export const uniqueStreamPrefix = (name: string): string => `test:${name}:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;

export const weatherStream = (prefix: string): string => channelStreamKey(prefix, 'weather');

/** A single validator in this process with its own storage directory, on the given channel backend. */
export async function startChannelValidator(options: {
  backend: ChannelBackend;
  dataDir: string;
  streamPrefix: string;
  claimIdleMs?: number;
  env?: Record<string, string>;
}): Promise<RunningNode> {
  const config = loadConfig({
    ROLE: 'validator',
    CLUSTER_SECRET: CHANNEL_TEST_SECRET,
    DATA_DIR: options.dataDir,
    DB_SCHEMA: 'v_channels',
    BLOCK_INTERVAL_MS: '20',
    PORT: '0',
    LOG_LEVEL: 'silent',
    CHANNEL_BACKEND: options.backend,
    CHANNEL_STREAM_PREFIX: options.streamPrefix,
    CHANNEL_CLAIM_IDLE_MS: String(options.claimIdleMs ?? 1_000),
    ...(options.backend === 'redis' ? { REDIS_URL: TEST_REDIS_URL! } : {}),
    ...options.env,
  });
  return startValidator(config, silentLogger);
}

/** How many weather events the node has committed, by its /channels summary. */
export async function committedCount(nodeUrl: string, headers: Record<string, string> = CLUSTER_HEADERS): Promise<number> {
  const res = await fetch(`${nodeUrl}/api/v11/channels`, { headers });
  if (!res.ok) throw new Error(`GET /channels answered ${res.status}`);
  const body = (await res.json()) as { channels: { name: string; events: number }[] };
  return body.channels.find((c) => c.name === 'weather')?.events ?? 0;
}

/** Appends events to their streams as a slim worker does. */
export async function appendToChannel(redisUrl: string, prefix: string, events: ChannelEvent[]): Promise<void> {
  const transport = new RedisStreamChannelTransport({ redis: new Redis(redisUrl), streamPrefix: prefix });
  try {
    await transport.deliver(events, new AbortController().signal);
  } finally {
    await transport.close();
  }
}

/** Entries of the group read but not acknowledged, on one stream. */
export async function pendingCount(redis: Redis, key: string): Promise<number> {
  const reply = (await redis.xpending(key, CONSUMER_GROUP)) as [number, ...unknown[]];
  return reply[0];
}

/** Deletes every key under the prefix (a test's streams and its dead-letter stream). */
export async function deleteStreams(redis: Redis, prefix: string): Promise<void> {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
}

export const eventIdsOf = (n: number, tag: string, from = 0) => Array.from({ length: n }, (_, i) => `evt-${tag}-${from + i}`);

/** Weather events with these ids, observed a second apart. */
export const weatherEvents = (ids: readonly string[]): ChannelEvent[] =>
  ids.map((id, i) => weatherEvent({ id, value: i, observedAt: new Date(Date.UTC(2026, 0, 1) + i * 1_000).toISOString() }));
