import type { Principal } from '../../runtime/cluster-auth.ts';
import { AppError } from '../../runtime/errors.ts';
import type { Feed, FeedCreated, FeedPatch, FeedUpstream, FeedRegistration, Observation, PushBody, QualityReport, QualityWeightsByCategory } from '../../schemas/index.ts';
import type { Clock } from '../clock.ts';
import { settingsOf, type EvaluationItem, type Evaluator, type PushProof } from '../evaluate.ts';
import { newFeedId } from '../ids.ts';
import { newWebhookSecret } from '../webhooks/secrets.ts';
import type { DeviceService } from '../devices/index.ts';
import type { MqttIntake } from '../mqtt/index.ts';
import type { FetchObservation } from '../pull.ts';
import type { FeedScheduler } from '../scheduler/index.ts';
import { KeyedMutex } from '../keyed-mutex.ts';
import type { SourceDestinations } from '../outbound/destination/index.ts';
import { assertSourceAllowed, isPullSource, sourceTimestampPrecisionMs, type SourceCredentials } from '../sources.ts';
import { feedCondition } from './condition.ts';
import { feedView, type FeedChanges, type FeedRecord, type SlimStorage } from '../storage/index.ts';
import { assertChangeable, assertVisible, canSeeAll } from './access.ts';
import { nonceToRemember, observationOfReading, pushProofOf, type ReplayWindow } from './push.ts';

/** Bound on one listing: a provider with more feeds than this pages through the gateway (not yet needed). */
export const FEED_LIST_MAX = 1_000;

/** How often a worker prunes expired push nonces (each time at most NONCE_PRUNE_BATCH_MAX rows). */
export const NONCE_PRUNE_INTERVAL_MS = 60_000;

export interface PushResult {
  observationId: string;
  decision: QualityReport['decision'];
  score: number;
  quality: QualityReport;
  reviewId?: string;
}

/** Registration, ownership, changes, dry runs and push readings: everything a provider does with a feed. */
export class FeedService {
  constructor(
    private readonly deps: {
      storage: SlimStorage;
      evaluator: Evaluator;
      scheduler: FeedScheduler;
      fetch: FetchObservation;
      clock: Clock;
      qualityWeights: QualityWeightsByCategory;
      /** The SSRF guard: a source that is or resolves to a non-public address is refused at registration. */
      sourceDestinations: SourceDestinations;
      /** Sources without credentials here are refused at registration. */
      sourceCredentials?: SourceCredentials;
      /** The outbound guard's view of a feed's source (breaker, limits, retries), shown in the feed's status. */
      upstreamOf?: (feed: FeedRecord) => FeedUpstream | undefined;
      /** Push feeds name a registered device: registration checks it, its key verifies readings. */
      devices: DeviceService;
      /** Signed readings: how long a nonce is remembered and how far a device's clock may run ahead. */
      pushReplay: ReplayWindow;
      /** The MQTT subscriptions of this worker, when it has a broker (MQTT_URL). */
      mqtt?: Pick<MqttIntake, 'sync'>;
    },
  ) {}

  /** Changes to one feed are applied one at a time, so the schedule always follows the stored state. */
  private readonly changes = new KeyedMutex();

  async register(principal: Principal, registration: FeedRegistration): Promise<FeedCreated> {
    await assertSourceAllowed(registration.source, this.deps.sourceDestinations, this.deps.sourceCredentials);
    this.assertUsableQuality(registration);
    if (registration.source.adapter === 'push') {
      await this.deps.devices.assertUsableForFeed(principal, registration.source.params.deviceId, registration.assetId);
    }
    // Shown once, in this answer; stored with the feed in the same row.
    const webhookSecret = registration.source.adapter === 'easypost-tracker' ? newWebhookSecret() : undefined;
    const record = await this.deps.storage.feeds.insert({
      ...(webhookSecret === undefined ? {} : { webhookSecret }),
      id: newFeedId(),
      ownerKeyId: principal.id,
      name: registration.name,
      category: registration.category,
      assetId: registration.assetId,
      source: registration.source,
      schedule: registration.schedule,
      quality: registration.quality,
      now: this.deps.clock.now(),
    });
    this.applySchedule(record, { fetchNow: true });
    const created: FeedCreated = this.view(record);
    return webhookSecret === undefined ? created : { ...created, webhookSecret };
  }

  async list(principal: Principal): Promise<Feed[]> {
    const records = await this.deps.storage.feeds.list(
      canSeeAll(principal) ? { limit: FEED_LIST_MAX } : { ownerKeyId: principal.id, limit: FEED_LIST_MAX },
    );
    return records.map((r) => this.view(r));
  }

  async get(principal: Principal, id: string): Promise<Feed> {
    return this.view(assertVisible(principal, await this.deps.storage.feeds.get(id), id));
  }

  patch(principal: Principal, id: string, patch: FeedPatch): Promise<Feed> {
    return this.changes.run(id, () => this.patchNow(principal, id, patch));
  }

  private async patchNow(principal: Principal, id: string, patch: FeedPatch): Promise<Feed> {
    const before = assertChangeable(principal, await this.deps.storage.feeds.get(id), id);
    const changes: FeedChanges = {};
    if (patch.status !== undefined) changes.status = patch.status;
    if (patch.schedule !== undefined) changes.schedule = patch.schedule;
    if (patch.quality !== undefined) changes.quality = patch.quality;
    this.assertUsableQuality({ ...before, ...changes });
    const after = await this.deps.storage.feeds.update(id, changes, this.deps.clock.now());
    if (after === null) throw new AppError('FEED_NOT_FOUND', `no feed ${id}`);
    this.applySchedule(after, { fetchNow: before.status === 'paused' && after.status === 'active' });
    return this.view(after);
  }

  /** Dry run: fetch once and run the chain; nothing is stored, queued or published. */
  async test(principal: Principal, id: string): Promise<{ observation: Observation; quality: QualityReport }> {
    const feed = assertChangeable(principal, await this.deps.storage.feeds.get(id), id);
    if (!isPullSource(feed.source)) {
      throw new AppError('CONFLICT', `feed ${id} is a push feed: a dry run fetches from a source, push readings to test them`);
    }
    const observation = await this.deps.fetch(feed);
    const { report } = await this.deps.evaluator.assess(feed, observation);
    return { observation, quality: report };
  }

  /** Readings are evaluated in order, so each one's history and uniqueness check see the ones before it. */
  async push(principal: Principal, id: string, body: PushBody): Promise<{ results: PushResult[] }> {
    const feed = assertChangeable(principal, await this.deps.storage.feeds.get(id), id);
    const source = feed.source;
    if (source.adapter !== 'push') throw new AppError('FEED_NOT_PUSH', `feed ${id} fetches from ${source.adapter}; it takes no pushed readings`);
    if (feed.status === 'paused') throw new AppError('FEED_PAUSED', `feed ${id} is paused; resume it to push readings`);
    const device = await this.deps.storage.devices.get(source.params.deviceId);
    await this.pruneNoncesNowAndThen();
    const items: EvaluationItem[] = [];
    const nonces: { proof: PushProof; entry: NonNullable<ReturnType<typeof nonceToRemember>> }[] = [];
    for (const reading of body.readings) {
      const observation = observationOfReading({ id: feed.id, assetId: feed.assetId, source }, reading, this.deps.clock.now());
      const proof = pushProofOf(device, { id: feed.id, deviceId: source.params.deviceId }, reading, this.deps.pushReplay);
      const entry = nonceToRemember(proof, reading.observedAt, this.deps.clock.now());
      if (entry !== null) nonces.push({ proof, entry });
      items.push({ observation, push: proof });
    }
    // Only verified, fresh readings' nonces, all in one statement: each learns whether it is the first.
    const firstSeen = await this.deps.storage.nonces.rememberAll(nonces.map((n) => n.entry));
    nonces.forEach((n, i) => (n.proof.nonceFirstSeen = firstSeen[i] ?? false));
    // One history read and one recording transaction for the whole body, scored as if one by one.
    const results: PushResult[] = [];
    for (const evaluated of await this.deps.evaluator.evaluateBatch(feed, items)) {
      const result: PushResult = {
        observationId: evaluated.observationId,
        decision: evaluated.decision,
        score: evaluated.score,
        quality: evaluated.report,
      };
      if (evaluated.reviewId !== null) result.reviewId = evaluated.reviewId;
      results.push(result);
    }
    return { results };
  }

  private nextNoncePruneMs = 0;

  /**
   * Deletes a bounded batch of expired nonces at most once per NONCE_PRUNE_INTERVAL_MS on this worker.
   * A failure is left for the next push: expired rows do no harm, their readings are out of the window anyway.
   */
  private async pruneNoncesNowAndThen(): Promise<void> {
    const now = this.deps.clock.now();
    if (now.getTime() < this.nextNoncePruneMs) return;
    this.nextNoncePruneMs = now.getTime() + NONCE_PRUNE_INTERVAL_MS;
    await this.deps.storage.nonces.pruneExpired(now).catch(() => 0);
  }

  /** The public view of a feed, with its source's outbound status when the source has been fetched, and its condition. */
  private view(record: FeedRecord): Feed {
    const now = this.deps.clock.now();
    const view = feedView(record, now);
    const upstream = this.deps.upstreamOf?.(record);
    if (upstream !== undefined) view.upstream = upstream;
    view.condition = feedCondition(view, { nowMs: now.getTime(), sourcePrecisionMs: sourceTimestampPrecisionMs(record.source) });
    return view;
  }

  /** Refuses a quality configuration the chain could not run with (e.g. every weight zero) with a 400 now, not at every evaluation. */
  private assertUsableQuality(feed: Pick<FeedRecord, 'category' | 'quality' | 'source'>): void {
    settingsOf(feed, this.deps.qualityWeights);
  }

  /** Keeps the scheduler in step with storage: active pull feeds are scheduled, everything else is not. */
  private applySchedule(feed: FeedRecord, opts: { fetchNow: boolean }): void {
    // Broker-fed feeds are subscribed while active (other replicas follow on their own reconcile).
    this.deps.mqtt?.sync(feed);
    if (feed.status !== 'active' || !isPullSource(feed.source)) {
      this.deps.scheduler.unschedule(feed.id);
      return;
    }
    this.deps.scheduler.schedule({ id: feed.id, intervalMs: feed.schedule.intervalMs }, opts.fetchNow ? { firstDelayMs: 0 } : {});
  }
}
