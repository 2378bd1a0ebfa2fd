/**
 * One event stream subscription (consensus/channels/subscription.ts) over a real ledger on PGlite:
 * catch-up from storage, live fan-out through the node's hub, heartbeats, and what happens to a
 * client that stops reading: it is dropped with its queue freed, and resumes without a gap.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommittedEventHub } from '../../../consensus/channels/event-hub.ts';
import { runSubscription, type EventSink, type SubscriptionEnd } from '../../../consensus/channels/subscription.ts';
import type { SingleNodeConsensus } from '../../../consensus/node/single-node.ts';
import { ConsensusRepository } from '../../../consensus/storage/repository.ts';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import type { CommittedEvent } from '../../../schemas/index.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { eventually } from '../../support/network.ts';
import { attest, silentLogger, startConsensus } from '../fixtures.ts';
import { eventIdsOf, weatherEvents } from './support.ts';

const PAGE_EVENTS = 10;
const TEST_TIMEOUT_MS = 60_000;
/** Long enough never to fire in these tests unless a test means it to. */
const WRITE_STALL_MS_NEVER = 600_000;
const HEARTBEAT_MS_NEVER = 600_000;

/** A client that takes `takes` events and then stops reading: later writes never complete. */
class Client implements EventSink {
  readonly received: CommittedEvent[] = [];
  heartbeats = 0;
  constructor(private readonly takes = Number.POSITIVE_INFINITY) {}
  write(event: CommittedEvent): Promise<void> {
    if (this.received.length >= this.takes) return new Promise(() => {});
    this.received.push(event);
    return Promise.resolve();
  }
  async heartbeat(): Promise<void> {
    this.heartbeats += 1;
  }
  get ids(): string[] {
    return this.received.map((c) => c.event.id);
  }
  get lastSequence(): number {
    return this.received.at(-1)?.sequence ?? 0;
  }
}

describe('event stream subscription', () => {
  let database: OpenDatabase;
  let consensus: SingleNodeConsensus;
  let repository: ConsensusRepository;
  let hub: CommittedEventHub;
  let stop: AbortController;

  beforeEach(async () => {
    database = await openDatabase({ part: 'consensus', dataDir: 'memory://', schema: uniqueSchema('subscription') });
    consensus = await startConsensus(database.db);
    repository = new ConsensusRepository(database.db);
    stop = new AbortController();
    hub = new CommittedEventHub({ source: repository, pageEvents: PAGE_EVENTS, pollMs: 50, signal: stop.signal, logger: silentLogger });
    consensus.onCommittedBlock(() => hub.wake());
  });
  afterEach(async () => {
    stop.abort();
    await consensus.close();
    await database.close();
  });

  const commit = async (ids: string[]) => {
    const outcomes = await consensus.submit(weatherEvents(ids).map(attest));
    expect(outcomes.every((o) => o.kind === 'committed')).toBe(true);
  };
  const subscribe = (client: Client, options: { after?: number; bufferEvents?: number; heartbeatMs?: number; writeStallMs?: number } = {}) =>
    runSubscription({
      hub,
      source: repository,
      channel: 'weather',
      after: options.after ?? 0,
      sink: client,
      bufferEvents: options.bufferEvents ?? 100,
      pageEvents: PAGE_EVENTS,
      heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS_NEVER,
      writeStallMs: options.writeStallMs ?? WRITE_STALL_MS_NEVER,
      closed: stop.signal,
    });
  const liveOn = () => eventually(async () => (hub.subscriberCount > 0 ? true : undefined));

  it('catches a subscriber far behind up from storage, then follows live commits, each event once and in order', async () => {
    const early = eventIdsOf(25, 'early');
    await commit(early);
    const client = new Client();
    void subscribe(client);
    await liveOn();
    const late = eventIdsOf(7, 'late');
    await commit(late);
    await eventually(async () => (client.received.length >= 32 ? true : undefined));
    expect(client.ids).toEqual([...early, ...late]);
  }, TEST_TIMEOUT_MS);

  it('drops a subscriber that stops reading once more than its buffer is waiting, and frees its place', async () => {
    const client = new Client(1);
    const ended: Promise<SubscriptionEnd> = subscribe(client, { bufferEvents: 5 });
    await liveOn();
    await commit(eventIdsOf(1, 'first'));
    await eventually(async () => (client.received.length === 1 ? true : undefined));
    // The client took one event and reads no more; the six come in one block: five fill its queue, the sixth overflows it.
    await commit(eventIdsOf(6, 'unread'));
    expect(await ended).toBe('overflow');
    expect(hub.subscriberCount).toBe(0);
  }, TEST_TIMEOUT_MS);

  it('a dropped subscriber resumes from its last event id and receives every later event once, in order', async () => {
    const slow = new Client(3);
    const ended = subscribe(slow, { bufferEvents: 4 });
    await liveOn();
    const ids = eventIdsOf(12, 'resume');
    for (const id of ids) await commit([id]);
    expect(await ended).toBe('overflow');
    expect(slow.ids).toEqual(ids.slice(0, 3));

    const resumed = new Client();
    void subscribe(resumed, { after: slow.lastSequence });
    await eventually(async () => (resumed.received.length >= 9 ? true : undefined));
    expect(resumed.ids).toEqual(ids.slice(3));
  }, TEST_TIMEOUT_MS);

  it('hangs up on a client that takes no bytes for the write stall limit, even while catching up', async () => {
    await commit(eventIdsOf(3, 'stalled'));
    expect(await subscribe(new Client(0), { writeStallMs: 200 })).toBe('stalled');
  }, TEST_TIMEOUT_MS);

  it('sends heartbeats while no event is committed', async () => {
    const client = new Client();
    void subscribe(client, { heartbeatMs: 50 });
    await eventually(async () => (client.heartbeats >= 2 ? true : undefined));
    expect(client.received).toEqual([]);
  }, TEST_TIMEOUT_MS);

  it('ends when the client goes away', async () => {
    const gone = new AbortController();
    const ended = runSubscription({
      hub,
      source: repository,
      channel: 'weather',
      after: 0,
      sink: new Client(),
      bufferEvents: 10,
      pageEvents: PAGE_EVENTS,
      heartbeatMs: HEARTBEAT_MS_NEVER,
      writeStallMs: WRITE_STALL_MS_NEVER,
      closed: gone.signal,
    });
    await liveOn();
    gone.abort();
    expect(await ended).toBe('closed');
    expect(hub.subscriberCount).toBe(0);
  }, TEST_TIMEOUT_MS);
});
