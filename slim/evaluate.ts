import type { Category, FeedQualityConfig, FeedSource, Observation, QualityReport, QualityWeightsByCategory } from '../schemas/index.ts';
import type { QualityContext, QualitySettings } from './quality/index.ts';
import { sourceTimestampPrecisionMs } from './sources.ts';
import { contentHashOf, resolveQualitySettings, runQualityChain } from './quality/index.ts';
import type { Clock } from './clock.ts';
import { newObservationId, newReviewId } from './ids.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { FeedRecord, RecordedEvaluation, SlimStorage } from './storage/index.ts';
import { PEERS_MAX } from './storage/observations.ts';

/** Push mode: what the device signed and the secret to verify it with. */
export type PushProof = NonNullable<QualityContext['push']>;

export interface Assessment {
  report: QualityReport;
  contentHash: string;
}

export interface Evaluated extends RecordedEvaluation {
  report: QualityReport;
}

/** How many failing checks the queue's audit entry names. */
const QUEUED_REASON_CHECKS_MAX = 3;

/**
 * The I/O loop around the pure quality chain: read the feed's history, build the context,
 * run the chain, record the outcome. Evaluations of one feed run one at a time.
 */
export class Evaluator {
  private readonly perFeed = new KeyedMutex();

  constructor(
    private readonly deps: {
      storage: SlimStorage;
      qualityWeights: QualityWeightsByCategory;
      clock: Clock;
      /** Called after an event was written to the channel outbox, so the publisher need not wait for its next poll. */
      onPublished: () => void;
    },
  ) {}

  /** Runs the chain without writing anything (dry runs). */
  async assess(feed: FeedRecord, observation: Observation, push?: PushProof): Promise<Assessment> {
    const now = this.deps.clock.now();
    const settings = settingsOf(feed, this.deps.qualityWeights);
    // Peers are fresh within the category SLA (plus the source's timestamp resolution, which
    // freshness forgives too): a stale peer is no reference for a value observed now.
    const [history, peers] = await Promise.all([
      this.deps.storage.observations.history(feed.id),
      this.deps.storage.observations.peers({
        feedId: feed.id,
        assetId: observation.assetId,
        category: observation.category,
        unit: observation.unit,
        since: new Date(now.getTime() - settings.freshnessSlaMs - settings.sourceTimestampPrecisionMs),
        limit: PEERS_MAX,
      }),
    ]);
    const contentHash = contentHashOf(observation);
    const context: QualityContext = {
      now,
      feed: {
        id: feed.id,
        category: feed.category,
        assetId: feed.assetId,
        status: feed.status,
        source: feed.source,
        quality: feed.quality,
      },
      history,
      peers,
      contentHash,
      settings,
    };
    if (push !== undefined) context.push = push;
    return { report: runQualityChain(observation, context), contentHash };
  }

  /** Runs the chain and records the observation, its channel event or its review item. */
  evaluate(feed: FeedRecord, observation: Observation, push?: PushProof): Promise<Evaluated> {
    return this.perFeed.run(feed.id, async () => {
      const { report, contentHash } = await this.assess(feed, observation, push);
      const recorded = await this.deps.storage.observations.record({
        observationId: newObservationId(),
        reviewId: newReviewId(),
        observation,
        report,
        contentHash,
        queuedReason: queuedReason(report),
        now: this.deps.clock.now(),
      });
      if (recorded.eventId !== null) this.deps.onPublished();
      return { ...recorded, report };
    });
  }
}

/**
 * A feed's resolved quality settings. Throws AppError INVALID_INPUT for a configuration the
 * chain cannot use (all weights zero), which is why registration and changes call it first.
 */
export function settingsOf(
  feed: { category: Category; quality: FeedQualityConfig; source: FeedSource },
  qualityWeights: QualityWeightsByCategory,
): QualitySettings {
  return resolveQualitySettings(feed.category, feed.quality, qualityWeights, feed.source.params.metric, {
    sourceTimestampPrecisionMs: sourceTimestampPrecisionMs(feed.source),
  });
}

/** The 'queued' audit entry says why: the score and the weakest checks with their reasons. */
export function queuedReason(report: QualityReport): string {
  const weakest = report.checks
    .filter((c) => c.check !== 'quality_score' && c.score < 1)
    .sort((a, b) => a.score - b.score)
    .slice(0, QUEUED_REASON_CHECKS_MAX)
    .map((c) => `${c.check} ${c.score.toFixed(2)}: ${c.reason}`);
  const head = `quality chain decided ${report.decision} (score ${report.score.toFixed(2)})`;
  return weakest.length === 0 ? head : `${head}; ${weakest.join('; ')}`;
}
