import { randomBytes } from 'node:crypto';
import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../../runtime/logger.ts';
import type { FeedSource } from '../../schemas/index.ts';
import { observationOfTelemetry, parseTelemetry } from '../../oracles/thingsboard-telemetry.ts';
import type { Clock } from '../clock.ts';
import type { Evaluator } from '../evaluate.ts';
import type { FeedRecord, SlimStorage } from '../storage/index.ts';
import { sharedSubscription, TopicTable } from './topics.ts';

/** How often each replica re-reads the active mqtt feeds, to follow registrations and pauses made on other replicas. */
export const MQTT_RECONCILE_MS = 15_000;
/** Wait between reconnection attempts while the broker is away (mqtt.js reconnects by itself). */
export const MQTT_RECONNECT_MS = 1_000;
export const MQTT_CONNECT_TIMEOUT_MS = 5_000;
/** What the feed's error column keeps of a bad message's reason. */
const REASON_CHARS_MAX = 300;

export interface MqttIntakeStatus {
  connected: boolean;
  /** Topics this replica reads for its active mqtt feeds, and how many of them the broker confirmed (SUBACK). */
  topics: number;
  subscribed: number;
  /** Messages taken from the broker since start-up, and how many of them a feed could not read. */
  messages: number;
  invalid: number;
  lastError: string | null;
}

export interface MqttIntakeDeps {
  url: string;
  shareGroup: string;
  storage: SlimStorage;
  evaluator: Evaluator;
  clock: Clock;
  logger: Logger;
  reconcileMs?: number;
}

type MqttFeed = FeedRecord & { source: Extract<FeedSource, { adapter: 'mqtt' }> };
const isMqttFeed = (feed: FeedRecord): feed is MqttFeed => feed.source.adapter === 'mqtt';

/**
 * The worker's subscription to the operator's broker. Every active mqtt feed's topic is subscribed as
 * `$share/<group>/<topic>`, so with several replicas each message is processed by one of them. A
 * message is acknowledged (QoS 1) once its readings went through the quality chain: messages are
 * handled one at a time, which is the backpressure on the broker. A message a feed cannot read is
 * counted on that feed (stats.fetchErrors, lastError), never thrown.
 */
export class MqttIntake {
  private readonly table = new TopicTable();
  private readonly confirmed = new Set<string>();
  private client: MqttClient | undefined;
  private cancelReconcile: (() => void) | undefined;
  private stopped = false;
  private messages = 0;
  private invalid = 0;
  private lastError: string | null = null;

  constructor(private readonly deps: MqttIntakeDeps) {}

  /** Connects (without waiting for the broker: it may be down, and the client keeps trying) and subscribes every active mqtt feed. */
  async start(): Promise<void> {
    this.stopped = false;
    const client = connect(this.deps.url, {
      protocolVersion: 5,
      clientId: `slim-${randomBytes(8).toString('hex')}`,
      clean: true,
      reconnectPeriod: MQTT_RECONNECT_MS,
      connectTimeout: MQTT_CONNECT_TIMEOUT_MS,
    });
    client.handleMessage = (packet, done) => {
      void this.handle(packet).finally(() => done());
    };
    client.on('connect', () => {
      this.lastError = null;
      this.deps.logger.info({ topics: this.table.topics().length }, 'connected to the MQTT broker');
    });
    client.on('error', (err) => this.fail('broker', err));
    client.on('offline', () => {
      if (!this.stopped) this.deps.logger.warn('MQTT broker unreachable; reconnecting');
    });
    this.client = client;
    await this.reconcile();
    this.armReconcile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelReconcile?.();
    const client = this.client;
    this.client = undefined;
    // Force: no waiting for in-flight acknowledgements; the broker redelivers unacknowledged QoS 1 messages to another replica.
    await client?.endAsync(true);
  }

  /** Follows one feed's change on this replica at once: subscribed while active, unsubscribed when paused. */
  sync(feed: { id: string; status: 'active' | 'paused'; source: FeedSource }): void {
    const topic = feed.status === 'active' && feed.source.adapter === 'mqtt' ? feed.source.params.topic : null;
    this.apply(this.table.set(feed.id, topic));
  }

  status(): MqttIntakeStatus {
    return {
      connected: this.client?.connected === true,
      topics: this.table.topics().length,
      subscribed: this.confirmed.size,
      messages: this.messages,
      invalid: this.invalid,
      lastError: this.lastError,
    };
  }

  /** Brings the subscriptions in line with storage: feeds registered, paused or resumed on other replicas. */
  private async reconcile(): Promise<void> {
    try {
      const active = (await this.deps.storage.feeds.listActive()).filter(isMqttFeed);
      const activeIds = new Set(active.map((f) => f.id));
      for (const id of this.table.feeds()) if (!activeIds.has(id)) this.apply(this.table.set(id, null));
      for (const feed of active) this.apply(this.table.set(feed.id, feed.source.params.topic));
    } catch (err) {
      this.fail('reading the mqtt feeds', err);
    }
  }

  private armReconcile(): void {
    if (this.stopped) return;
    this.cancelReconcile = this.deps.clock.setTimer(this.deps.reconcileMs ?? MQTT_RECONCILE_MS, () => {
      void this.reconcile().finally(() => this.armReconcile());
    });
  }

  private apply(change: { subscribe: string[]; unsubscribe: string[] }): void {
    const client = this.client;
    if (client === undefined) return;
    const group = this.deps.shareGroup;
    // While the broker is away mqtt.js queues these and, with `resubscribe`, renews them on every reconnection.
    for (const topic of change.subscribe) {
      client.subscribe(sharedSubscription(group, topic), { qos: 1 }, (err, granted) => {
        const refused = granted?.find((g) => g.qos >= 0x80);
        if (err) this.fail(`subscribing to ${topic}`, err);
        else if (refused !== undefined) this.fail(`subscribing to ${topic}`, new Error(`the broker refused (reason ${refused.qos})`));
        else if (this.table.feedsOf(topic).length > 0) this.confirmed.add(topic);
      });
    }
    for (const topic of change.unsubscribe) {
      this.confirmed.delete(topic);
      client.unsubscribe(sharedSubscription(group, topic), (err) => {
        if (err) this.fail(`unsubscribing from ${topic}`, err);
      });
    }
  }

  /** One message, for every feed reading its topic. Never throws: the client would stop delivering. */
  private async handle(packet: IPublishPacket): Promise<void> {
    this.messages++;
    const payload = typeof packet.payload === 'string' ? new TextEncoder().encode(packet.payload) : new Uint8Array(packet.payload);
    for (const feedId of this.table.feedsOf(packet.topic)) {
      try {
        await this.deliver(feedId, packet.topic, payload);
      } catch (err) {
        this.fail(`feed ${feedId}`, err);
        await this.countFailure(feedId, `mqtt ${packet.topic}: evaluation failed: ${messageOf(err)}`);
      }
    }
  }

  private async deliver(feedId: string, topic: string, payload: Uint8Array): Promise<void> {
    // Re-read: the feed may have been paused on another replica since this one subscribed.
    const feed = await this.deps.storage.feeds.get(feedId);
    if (feed === null || !isMqttFeed(feed) || feed.status !== 'active') {
      this.apply(this.table.set(feedId, null));
      return;
    }
    const parsed = parseTelemetry(payload, feed.source.params.key);
    if (!parsed.ok) {
      this.invalid++;
      await this.countFailure(feed.id, `mqtt ${topic}: ${parsed.reason}`);
      return;
    }
    for (const reading of parsed.readings) {
      const observation = observationOfTelemetry(feed, reading, this.deps.url, this.deps.clock.now());
      await this.deps.evaluator.evaluate(feed, observation);
    }
  }

  private async countFailure(feedId: string, reason: string): Promise<void> {
    try {
      await this.deps.storage.feeds.recordFetchError(feedId, reason.slice(0, REASON_CHARS_MAX), this.deps.clock.now());
    } catch (err) {
      this.fail(`recording a failure of feed ${feedId}`, err);
    }
  }

  private fail(what: string, err: unknown): void {
    this.lastError = `${what}: ${messageOf(err)}`;
    if (!this.stopped) this.deps.logger.warn({ err: messageOf(err) }, `mqtt: ${what} failed`);
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
