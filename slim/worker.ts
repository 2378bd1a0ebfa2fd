import type { Hono } from 'hono';
import type { Database } from '../db/client.ts';
import type { Config } from '../runtime/config.ts';
import type { Logger } from '../runtime/logger.ts';
import type { LifecyclePhase, NodeHealth } from '../schemas/index.ts';
import { createSourceCache } from './cache/index.ts';
import { createChannelTransport } from './channel/select.ts';
import { ChannelPublisher } from './channel/publisher.ts';
import type { ChannelTransport } from './channel/transport.ts';
import { systemClock, type Clock } from './clock.ts';
import { DeviceService } from './devices/index.ts';
import { Evaluator } from './evaluate.ts';
import { FeedService } from './feeds/index.ts';
import { MqttIntake } from './mqtt/index.ts';
import { EasyPostWebhooks, WebhookSecrets } from './webhooks/index.ts';
import { createSlimApp } from './http/app.ts';
import { createSlimMetrics } from './metrics/index.ts';
import { createOutboundGuard } from './outbound/index.ts';
import { SourceDestinations } from './outbound/destination/index.ts';
import { createPullJob, type FetchObservation } from './pull.ts';
import { ReviewService } from './reviews/index.ts';
import { FeedScheduler } from './scheduler/index.ts';
import { fetchFromSource, isPullSource, sourceCredentialsOf } from './sources.ts';
import { createSlimStorage, type SlimStorage } from './storage/index.ts';
import { FeedLeaseKeeper, LeaseStore, newWorkerId } from './leases/index.ts';

export interface SlimWorkerOptions {
  config: Config;
  logger: Logger;
  db: Database;
  /** Defaults to the system clock; a manual clock drives the loops in tests. */
  clock?: Clock;
  random?: () => number;
  /** Defaults to the configured channel backend: Redis Streams (REDIS_URL) or HTTP to config.VALIDATOR_URLS. */
  transport?: ChannelTransport;
  /** This worker's holder id in the lease table; random per process start by default. */
  workerId?: string;
  /** Where the process is in its life, for /livez and /readyz; default: running. */
  phase?: () => LifecyclePhase;
}

/** The slim worker wired together, not yet listening: storage, chain loop, scheduler, channel, HTTP app. */
export interface SlimWorker {
  readonly storage: SlimStorage;
  readonly scheduler: FeedScheduler;
  readonly leases: FeedLeaseKeeper;
  readonly publisher: ChannelPublisher;
  readonly feeds: FeedService;
  readonly reviews: ReviewService;
  readonly app: Hono;
  health(): Promise<NodeHealth>;
  /** Schedules every active pull feed in storage and starts the channel publisher. */
  start(): Promise<void>;
  /** Cancels timers, waits for fetches in flight and stops the publisher. */
  stop(): Promise<void>;
}

export function createSlimWorker(options: SlimWorkerOptions): SlimWorker {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const storage = createSlimStorage(options.db);
  const startedAtMs = clock.now().getTime();

  const transport = options.transport ?? createChannelTransport(config, logger.child({ part: 'channel' }));
  const publisher = new ChannelPublisher({
    outbox: storage.outbox,
    transport,
    batchMax: config.CHANNEL_BATCH_MAX,
    retryBaseMs: config.CHANNEL_RETRY_MS,
    clock,
    random,
    logger: logger.child({ part: 'channel' }),
  });
  const onPublished = () => publisher.wake();
  // Read at each scrape; the cache is built below.
  const metrics = createSlimMetrics({ cacheHitRatio: () => sourceCache.counters().hitRatio });
  const evaluator = new Evaluator({
    storage,
    qualityWeights: config.QUALITY_WEIGHTS,
    clock,
    onPublished,
    onEvaluated: (reports, published) => metrics.evaluated(reports, published),
  });
  const sourceCredentials = sourceCredentialsOf(config);
  // Per source: rate limit (shared through REDIS_URL), bounded retries of transient failures, breaker.
  const outbound = createOutboundGuard(config, logger.child({ part: 'outbound' }));
  // SSRF guard: sources must be public unless the operator allows their origin.
  const destinations = new SourceDestinations({ originsAllowed: config.SOURCE_ORIGINS_ALLOWED });
  // In front of the guard: an answer served from the cache takes no rate-limit slot and no upstream request.
  const sourceCache = createSourceCache(config, { db: options.db, clock, logger: logger.child({ part: 'source-cache' }) });
  const fetch: FetchObservation = sourceCache.wrap(
    outbound.guard(async (feed, { timeoutMs }) => {
      // Each call to the source, retries included: what its latency and availability describe.
      const startedMs = performance.now();
      let ok = false;
      try {
        const fetched = await fetchFromSource(feed, { timeoutMs, clock, destinations, credentials: sourceCredentials });
        ok = true;
        return fetched;
      } finally {
        metrics.sourceCall(feed.source.adapter, performance.now() - startedMs, ok);
      }
    }),
  );
  const job = createPullJob({ storage, evaluator, fetch, clock, logger: logger.child({ part: 'pull' }) });
  const leases = new FeedLeaseKeeper({
    store: new LeaseStore(options.db),
    workerId: options.workerId ?? newWorkerId(),
    ttlMs: config.SCHEDULER_LEASE_TTL_MS,
    clock,
  });
  const scheduler = new FeedScheduler({
    leases,
    clock,
    random,
    job,
    loadFeeds: async () =>
      (await storage.feeds.listActive()).filter((f) => isPullSource(f.source)).map((f) => ({ id: f.id, intervalMs: f.schedule.intervalMs })),
    logger: logger.child({ part: 'scheduler' }),
  });
  const devices = new DeviceService({ storage, clock });
  // MQTT feeds: the worker subscribes to the operator's broker (MQTT_URL), shared with the other replicas.
  const mqtt =
    config.MQTT_URL === undefined
      ? undefined
      : new MqttIntake({ url: config.MQTT_URL, shareGroup: config.MQTT_SHARE_GROUP, storage, evaluator, clock, logger: logger.child({ part: 'mqtt' }) });
  const webhookSecrets = new WebhookSecrets(options.db);
  const easypost = new EasyPostWebhooks({ storage, evaluator, secrets: webhookSecrets, clock });
  const feeds = new FeedService({
    storage,
    evaluator,
    scheduler,
    fetch,
    clock,
    qualityWeights: config.QUALITY_WEIGHTS,
    sourceDestinations: destinations,
    sourceCredentials,
    upstreamOf: (feed) => outbound.upstreamOf(feed),
    devices,
    pushReplay: { windowMs: config.PUSH_REPLAY_WINDOW_MS, clockSkewMs: config.PUSH_CLOCK_SKEW_MS },
    ...(mqtt === undefined ? {} : { mqtt }),
  });
  const reviews = new ReviewService({
    storage,
    clock,
    onPublished: () => {
      metrics.eventsPushed(1);
      onPublished();
    },
  });

  const health = async (): Promise<NodeHealth> => {
    const [counts, channel] = await Promise.all([storage.feeds.counts(), publisher.status()]);
    const outboundCounters = outbound.counters();
    const mqttStatus = mqtt?.status();
    return {
      role: 'slim',
      // The worker still runs while the validator is away (nothing reaches the ledger) or a source's breaker is
      // open (its feeds go stale): degraded, not down.
      // So is a worker cut off from its MQTT broker: its mqtt feeds go stale until it reconnects (on its own).
      status: channel.consecutiveFailures > 0 || outboundCounters.breakersNotClosed > 0 || mqttStatus?.connected === false ? 'degraded' : 'up',
      uptimeMs: clock.now().getTime() - startedAtMs,
      details: {
        feeds: counts.feeds,
        activeFeeds: counts.activeFeeds,
        scheduledFeeds: scheduler.size,
        channel: { pending: channel.pending, delivered: channel.delivered, lastError: channel.lastError },
        outbound: outboundCounters,
        cache: sourceCache.counters(),
        // null when no broker is configured (MQTT_URL unset).
        mqtt: mqttStatus ?? null,
      },
    };
  };

  const app = createSlimApp({
    clusterSecret: config.CLUSTER_SECRET,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    logger,
    feeds,
    devices,
    reviews,
    health,
    metrics,
    // Ready while its storage answers: feeds, reviews and pushes all go through it.
    readiness: {
      storage: async () => {
        await storage.feeds.counts();
        return { ok: true };
      },
    },
    ...(options.phase === undefined ? {} : { phase: options.phase }),
    easypost,
  });

  return {
    storage,
    scheduler,
    leases,
    publisher,
    feeds,
    reviews,
    app,
    health,
    async start() {
      publisher.start();
      await scheduler.start();
      await mqtt?.start();
    },
    async stop() {
      await mqtt?.stop();
      await scheduler.stop();
      // Graceful stop: other workers take these feeds now instead of after the TTL.
      await leases.releaseAll().catch((err: unknown) => logger.warn({ err }, 'releasing feed leases failed; they expire on their own'));
      await publisher.stop();
      await transport.close?.();
      // After the scheduler: no fetch is in flight, and the cache's last writes land before the database closes.
      await sourceCache.close();
      await outbound.close();
      await destinations.close();
    },
  };
}
