import type { Category, FeedQualityConfig, FeedSource, Observation, QualityReport, QualityWeightsByCategory } from '../schemas/index.ts';
import type { QualityContext, QualitySettings } from './quality/index.ts';
import { sourceFreshnessSlaMs, sourceTimestampPrecisionMs } from './sources.ts';
import { contentHashOf, resolveQualitySettings, runQualityChain } from './quality/index.ts';
import type { Clock } from './clock.ts';
import { newObservationId, newReviewId } from './ids.ts';
import { KeyedMutex } from './keyed-mutex.ts';
import type { EvaluationToRecord, FeedRecord, RecordedEvaluation, SlimStorage } from './storage/index.ts';
import { addToHistoryWindow, feedHistoryOf, PEERS_MAX, RECORD_BATCH_MAX, type PeerRow } from './storage/observations.ts';
import { AppError } from '../runtime/errors.ts';

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

/** One observation to evaluate, with its push proof in push mode. */
export interface EvaluationItem {
  observation: Observation;
  push?: PushProof;
}

/** How many observations one `evaluateBatch` takes: a push body holds at most 100, and one recording transaction stays bounded. */
export const EVALUATION_BATCH_MAX = RECORD_BATCH_MAX;

/**
 * The I/O loop around the pure quality chain: read the feed's history and peers, build the
 * context, run the chain, record the outcome. Evaluations of one feed run one at a time.
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
      /** Told of every recorded batch: its reports and how many went to the channel (metrics). */
      onEvaluated?: (reports: readonly QualityReport[], published: number) => void;
    },
  ) {}

  /** Runs the chain without writing anything (dry runs). */
  async assess(feed: FeedRecord, observation: Observation, push?: PushProof): Promise<Assessment> {
    const now = this.deps.clock.now();
    const settings = settingsOf(feed, this.deps.qualityWeights);
    const [history, peers] = await Promise.all([this.deps.storage.observations.history(feed.id), this.peersOf(feed.id, observation, settings, now)]);
    const contentHash = contentHashOf(observation);
    const context = contextOf(feed, { now, history, peers, contentHash, settings }, push);
    return { report: runQualityChain(observation, context), contentHash };
  }

  /** Runs the chain and records the observation, its channel event or its review item: `evaluateBatch` of one. */
  async evaluate(feed: FeedRecord, observation: Observation, push?: PushProof): Promise<Evaluated> {
    const [evaluated] = await this.evaluateBatch(feed, [push === undefined ? { observation } : { observation, push }]);
    if (evaluated === undefined) throw new Error('evaluateBatch of one evaluated nothing');
    return evaluated;
  }

  /**
   * Evaluates observations of one feed in order and records them in one transaction. The history
   * and peers are read once; each observation is scored against the history as recording the ones
   * before it would have left it (so uniqueness and the spike test see earlier readings of the
   * batch, exactly as one by one), at one evaluation instant. Answers in the items' order.
   */
  evaluateBatch(feed: FeedRecord, items: readonly EvaluationItem[]): Promise<Evaluated[]> {
    if (items.length > EVALUATION_BATCH_MAX) {
      return Promise.reject(new AppError('INVALID_INPUT', `at most ${EVALUATION_BATCH_MAX} observations per evaluation batch, got ${items.length}`));
    }
    if (items.length === 0) return Promise.resolve([]);
    return this.perFeed.run(feed.id, async () => {
      const now = this.deps.clock.now();
      const settings = settingsOf(feed, this.deps.qualityWeights);
      const storage = this.deps.storage;
      // Peers depend on the observation's asset, category and unit: read once per distinct claim (one, in practice).
      const peerReads = new Map<string, Promise<PeerRow[]>>();
      for (const { observation } of items) {
        const key = peerKeyOf(observation);
        if (!peerReads.has(key)) peerReads.set(key, this.peersOf(feed.id, observation, settings, now));
      }
      const [window, ...peerLists] = await Promise.all([storage.observations.historyWindow(feed.id), ...peerReads.values()]);
      const peersByKey = new Map([...peerReads.keys()].map((key, i) => [key, peerLists[i] ?? []]));

      const toRecord: EvaluationToRecord[] = [];
      for (const { observation, push } of items) {
        const contentHash = contentHashOf(observation);
        const peers = peersByKey.get(peerKeyOf(observation)) ?? [];
        const context = contextOf(feed, { now, history: feedHistoryOf(window), peers, contentHash, settings }, push);
        const report = runQualityChain(observation, context);
        toRecord.push({ observationId: newObservationId(), reviewId: newReviewId(), observation, report, contentHash, queuedReason: queuedReason(report), now });
        addToHistoryWindow(window, {
          observedAtMs: new Date(observation.observedAt).getTime(),
          value: observation.value,
          contentHash,
          published: report.decision === 'accepted',
        });
      }
      const recorded = await storage.observations.recordBatch(toRecord);
      const published = recorded.filter((r) => r.eventId !== null).length;
      if (published > 0) this.deps.onPublished();
      this.deps.onEvaluated?.(
        toRecord.map((t) => t.report),
        published,
      );
      return recorded.map((r, i) => ({ ...r, report: (toRecord[i] as EvaluationToRecord).report }));
    });
  }

  /**
   * Peers are fresh within the category SLA (plus the source's timestamp resolution, which
   * freshness forgives too): a stale peer is no reference for a value observed now.
   */
  private peersOf(feedId: string, observation: Observation, settings: QualitySettings, now: Date): Promise<PeerRow[]> {
    return this.deps.storage.observations.peers({
      feedId,
      assetId: observation.assetId,
      category: observation.category,
      unit: observation.unit,
      since: new Date(now.getTime() - settings.freshnessSlaMs - settings.sourceTimestampPrecisionMs),
      limit: PEERS_MAX,
    });
  }
}

const peerKeyOf = (o: Observation): string => `${o.assetId}\u0000${o.category}\u0000${o.unit}`;

/** The chain's context for one observation of `feed`. */
function contextOf(
  feed: FeedRecord,
  parts: Pick<QualityContext, 'now' | 'history' | 'peers' | 'contentHash' | 'settings'>,
  push: PushProof | undefined,
): QualityContext {
  const context: QualityContext = {
    now: parts.now,
    feed: { id: feed.id, category: feed.category, assetId: feed.assetId, status: feed.status, source: feed.source, quality: feed.quality },
    history: parts.history,
    peers: parts.peers,
    contentHash: parts.contentHash,
    settings: parts.settings,
  };
  if (push !== undefined) context.push = push;
  return context;
}

/**
 * A feed's resolved quality settings. Throws AppError INVALID_INPUT for a configuration the
 * chain cannot use (all weights zero), which is why registration and changes call it first.
 */
export function settingsOf(
  feed: { category: Category; quality: FeedQualityConfig; source: FeedSource },
  qualityWeights: QualityWeightsByCategory,
): QualitySettings {
  const freshnessSlaMs = feed.quality.freshnessSlaMs ?? sourceFreshnessSlaMs(feed.source);
  return resolveQualitySettings(feed.category, feed.quality, qualityWeights, feed.source.params.metric, {
    sourceTimestampPrecisionMs: sourceTimestampPrecisionMs(feed.source),
    ...(freshnessSlaMs === undefined ? {} : { freshnessSlaMs }),
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
