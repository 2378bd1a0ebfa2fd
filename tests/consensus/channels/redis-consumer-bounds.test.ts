/**
 * The Redis channel consumer's bounds (consensus/channels/redis-consumer.ts), against the real Redis
 * and a real single-node ledger on PGlite whose submission is made to fail: an entry whose own
 * submission keeps failing is dead-lettered after CHANNEL_MAX_DELIVERIES rounds instead of holding
 * the channel, a leaderless spell (503) dead-letters nothing, and the dead-letter stream is capped.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisChannelConsumer } from '../../../consensus/channels/redis-consumer.ts';
import type { Consensus } from '../../../consensus/node/consensus.ts';
import type { SingleNodeConsensus } from '../../../consensus/node/single-node.ts';
import { ConsensusRepository } from '../../../consensus/storage/repository.ts';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { AppError } from '../../../runtime/errors.ts';
import type { Transaction } from '../../../schemas/index.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';
import { silentLogger, startConsensus } from '../fixtures.ts';
import { appendToChannel, CONSUMER_GROUP, deleteStreams, eventIdsOf, pendingCount, TEST_REDIS_URL, uniqueStreamPrefix, weatherEvents, weatherStream } from './support.ts';

const TEST_TIMEOUT_MS = 120_000;
/** Polls of a condition, 200 ms apart: a minute on a loaded machine. */
const POLLS_MAX = 300;
const MAX_DELIVERIES = 3;

/** The ledger, except that a submission fails with what `failure` answers for it, when it answers one. */
function faultyConsensus(inner: SingleNodeConsensus, failure: (txs: readonly Transaction[]) => AppError | undefined): Consensus {
  return {
    submit: (txs) => {
      const err = failure(txs);
      return err === undefined ? inner.submit(txs) : Promise.reject(err);
    },
    status: () => inner.status(),
    readBarrier: () => inner.readBarrier(),
    onCommittedBlock: (listener) => inner.onCommittedBlock(listener),
    pendingTransaction: (hash) => inner.pendingTransaction(hash),
    health: () => inner.health(),
    close: () => inner.close(),
  };
}

const holds = (txs: readonly Transaction[], eventId: string) => txs.some((tx) => tx.type === 'attest' && tx.event.id === eventId);

describe.skipIf(TEST_REDIS_URL === undefined)('Redis channel consumer bounds', () => {
  let redis: Redis;
  let prefix: string;
  let database: OpenDatabase;
  let ledger: SingleNodeConsensus;
  let repository: ConsensusRepository;
  let consumer: RedisChannelConsumer | undefined;

  beforeEach(async () => {
    redis = new Redis(TEST_REDIS_URL!);
    prefix = uniqueStreamPrefix('bounds');
    database = await openDatabase({ part: 'consensus', dataDir: 'memory://', schema: uniqueSchema('consumer_bounds') });
    ledger = await startConsensus(database.db);
    repository = new ConsensusRepository(database.db);
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await ledger.close();
    await database.close();
    await deleteStreams(redis, prefix);
    redis.disconnect();
  });

  const start = (consensus: Consensus, deadLetterMax = 10_000) => {
    consumer = new RedisChannelConsumer({
      redis: new Redis(TEST_REDIS_URL!),
      consensus,
      repository,
      streamPrefix: prefix,
      group: CONSUMER_GROUP,
      consumer: 'bounds-test',
      claimIdleMs: 30_000,
      maxDeliveries: MAX_DELIVERIES,
      deadLetterMax,
      logger: silentLogger,
    });
    consumer.start();
    return consumer;
  };
  const committed = async (ids: readonly string[]) => (await repository.committedPlaces(ids)).size;
  const deadLetters = async () => (await redis.xrange(`${prefix}dead-letter`, '-', '+')) as [string, string[]][];

  it('dead-letters an entry whose own submission keeps failing, after the bound, and commits the others of its batch and after it', async () => {
    const ids = eventIdsOf(6, 'poison');
    const poison = ids[2]!;
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(ids));
    let poisonSubmits = 0;
    start(
      faultyConsensus(ledger, (txs) => {
        if (!holds(txs, poison)) return undefined;
        if (txs.length === 1) poisonSubmits += 1;
        return new AppError('INVALID_INPUT', 'the attest cannot be encoded');
      }),
    );
    const others = ids.filter((id) => id !== poison);
    await eventually(async () => ((await committed(others)) === others.length && (await pendingCount(redis, weatherStream(prefix))) === 0 ? true : undefined), POLLS_MAX);
    const dead = await deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]![1]).toContain('INVALID_INPUT');
    expect(dead[0]![1]).toContain(JSON.stringify(weatherEvents(ids)[2]));
    expect(poisonSubmits).toBe(MAX_DELIVERIES);
    expect(await committed([poison])).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('dead-letters nothing while consensus answers 503 for lack of a leader, however many rounds that takes', async () => {
    const ids = eventIdsOf(4, 'leaderless');
    await appendToChannel(TEST_REDIS_URL!, prefix, weatherEvents(ids));
    const outageSubmits = MAX_DELIVERIES * 2;
    let submits = 0;
    start(
      faultyConsensus(ledger, () => {
        submits += 1;
        return submits <= outageSubmits ? new AppError('UNAVAILABLE', 'no leader', { retryAfterS: 1 }) : undefined;
      }),
    );
    await eventually(async () => ((await committed(ids)) === ids.length && (await pendingCount(redis, weatherStream(prefix))) === 0 ? true : undefined), POLLS_MAX);
    expect(submits).toBeGreaterThan(outageSubmits);
    expect(await deadLetters()).toHaveLength(0);
  }, TEST_TIMEOUT_MS);

  it('caps the dead-letter stream near CHANNEL_DEAD_LETTER_MAX', async () => {
    const deadLetterMax = 100;
    const entries = 600;
    const pipeline = redis.pipeline();
    for (let i = 0; i < entries; i += 1) pipeline.xadd(weatherStream(prefix), '*', 'event', `{"not":"an event ${i}"}`);
    await pipeline.exec();
    start(faultyConsensus(ledger, () => undefined), deadLetterMax);
    await eventually(async () => (consumer!.counters.deadLettered === entries ? true : undefined), POLLS_MAX);
    const length = await redis.xlen(`${prefix}dead-letter`);
    expect(length).toBeGreaterThanOrEqual(deadLetterMax);
    // "~" trims whole radix-tree nodes (100 entries by default), so the stream may exceed the cap by up to one node.
    expect(length).toBeLessThan(entries);
  }, TEST_TIMEOUT_MS);
});
