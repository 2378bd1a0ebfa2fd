/**
 * One contract for both tokenization channel backends, from a slim worker's outbox to the ledger of
 * a real validator: HTTP delivery (the embedded backend) and Redis Streams consumed by the leader.
 * Each is chosen by configuration (CHANNEL_BACKEND) exactly as a worker chooses it.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { loadConfig } from '../../../runtime/config.ts';
import { createLogger } from '../../../runtime/logger.ts';
import type { RunningNode } from '../../../runtime/node.ts';
import type { ChannelBackend, ChannelEvent } from '../../../schemas/index.ts';
import { ChannelPublisher } from '../../../slim/channel/publisher.ts';
import { createChannelTransport } from '../../../slim/channel/select.ts';
import type { ChannelTransport } from '../../../slim/channel/transport.ts';
import { systemClock } from '../../../slim/clock.ts';
import { appendChannelEvents } from '../../../slim/storage/outbox.ts';
import { createSlimStorage, type SlimStorage } from '../../../slim/storage/index.ts';
import { CHANNEL_TEST_SECRET, CLUSTER_HEADERS, committedCount, deleteStreams, eventIdsOf, startChannelValidator, TEST_REDIS_URL, uniqueStreamPrefix, weatherEvents } from '../../consensus/channels/support.ts';
import { readSse } from '../../consensus/channels/sse-reader.ts';
import { tempDir, uniqueSchema } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';

const TEST_TIMEOUT_MS = 120_000;
const POLLS_MAX = 300;
const BACKENDS: { backend: ChannelBackend; needsRedis: boolean }[] = [
  { backend: 'http', needsRedis: false },
  { backend: 'redis', needsRedis: true },
];

for (const { backend, needsRedis } of BACKENDS) {
  describe.skipIf(needsRedis && TEST_REDIS_URL === undefined)(`tokenization channel over ${backend}`, () => {
    let dir: ReturnType<typeof tempDir>;
    let prefix: string;
    let node: RunningNode;
    let database: OpenDatabase;
    let storage: SlimStorage;
    const publishers: ChannelPublisher[] = [];
    const transports: ChannelTransport[] = [];

    beforeEach(async () => {
      dir = tempDir(`channel-${backend}`);
      prefix = uniqueStreamPrefix(`backend-${backend}`);
      node = await startChannelValidator({ backend, dataDir: dir.path, streamPrefix: prefix });
      database = await openDatabase({ part: 'slim', dataDir: 'memory://', schema: uniqueSchema('slim_channel_backend') });
      storage = createSlimStorage(database.db);
    }, TEST_TIMEOUT_MS);
    afterEach(async () => {
      for (const p of publishers.splice(0)) await p.stop();
      for (const t of transports.splice(0)) await t.close?.();
      await database.close();
      await node.close();
      if (TEST_REDIS_URL !== undefined) {
        const redis = new Redis(TEST_REDIS_URL);
        await deleteStreams(redis, prefix);
        redis.disconnect();
      }
      dir.remove();
    });

    /** The transport a slim worker configured for this backend would use. */
    const configuredTransport = (): ChannelTransport => {
      const config = loadConfig({
        ROLE: 'slim',
        CLUSTER_SECRET: CHANNEL_TEST_SECRET,
        VALIDATOR_URLS: node.url,
        CHANNEL_BACKEND: backend,
        CHANNEL_STREAM_PREFIX: prefix,
        ...(needsRedis ? { REDIS_URL: TEST_REDIS_URL! } : {}),
      });
      const transport = createChannelTransport(config, createLogger('slim', 'silent'));
      transports.push(transport);
      return transport;
    };
    const startPublisher = (transport: ChannelTransport): ChannelPublisher => {
      const publisher = new ChannelPublisher({
        outbox: storage.outbox,
        transport,
        batchMax: 5,
        retryBaseMs: 20,
        pollMs: 50,
        clock: systemClock,
        random: Math.random,
        logger: createLogger('slim', 'silent'),
      });
      publishers.push(publisher);
      publisher.start();
      return publisher;
    };
    const writeOutbox = (events: ChannelEvent[]) => appendChannelEvents(database.db, events.map((event) => ({ event, now: new Date() })));
    const outboxDrained = () => eventually(async () => ((await storage.outbox.counts()).pending === 0 ? true : undefined), POLLS_MAX);
    const committed = (n: number) => eventually(async () => ((await committedCount(node.url)) === n ? true : undefined), POLLS_MAX);

    it('commits every outbox event once, in outbox order', async () => {
      const ids = eventIdsOf(12, `order-${backend}`);
      await writeOutbox(weatherEvents(ids));
      startPublisher(configuredTransport());
      await outboxDrained();
      await committed(12);
      const read = await readSse(`${node.url}/api/v11/channels/weather/events`, { headers: CLUSTER_HEADERS, until: (r) => r.events.length >= 12 });
      expect(read.events.map((e) => (JSON.parse(e.data) as { event: { id: string } }).event.id)).toEqual(ids);
    }, TEST_TIMEOUT_MS);

    it('a worker that dies after the channel took a batch, before its outbox noted it, delivers it again and the ledger commits it once', async () => {
      await writeOutbox(weatherEvents(eventIdsOf(10, `crash-${backend}`)));
      const inner = configuredTransport();
      let taken = 0;
      // The channel takes the batch, then the worker is gone before it records the delivery.
      const dying: ChannelTransport = {
        name: 'dying',
        async deliver(events, signal) {
          await inner.deliver(events, signal);
          taken += events.length;
          throw new Error('worker killed before its outbox noted the delivery');
        },
      };
      const first = startPublisher(dying);
      await eventually(async () => (taken > 0 ? true : undefined), POLLS_MAX);
      await first.stop();
      expect((await storage.outbox.counts()).delivered).toBe(0);

      startPublisher(configuredTransport());
      await outboxDrained();
      await committed(10);
      expect(await committedCount(node.url)).toBe(10);
    }, TEST_TIMEOUT_MS);
  });
}
