/**
 * The slim worker's Prometheus metrics under the platform's names: calls to external sources
 * (latency, and availability over the last calls), the source cache's hit ratio, quality scores,
 * and events pushed to the tokenization channel.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS_MS } from '../../runtime/metrics.ts';
import type { QualityReport } from '../../schemas/index.ts';

/** Availability is judged over this many of a source's latest calls: recent enough to show an outage, enough to be smooth. */
export const AVAILABILITY_WINDOW_CALLS = 100;

const SCORE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1];

export interface SlimMetrics {
  /** One call to an external source (each attempt, retries included). */
  sourceCall(source: string, durationMs: number, ok: boolean): void;
  /** Observations the quality chain scored and recorded; `published`: how many went to the channel. */
  evaluated(reports: readonly QualityReport[], published: number): void;
  /** Events written to the tokenization channel outside an evaluation (a reviewer's approval). */
  eventsPushed(count: number): void;
  render(): Promise<string>;
}

export interface SlimMetricsSources {
  /** hits / lookups of the source cache since start-up; null before the first lookup. */
  cacheHitRatio: () => number | null;
}

export function createSlimMetrics(sources: SlimMetricsSources): SlimMetrics {
  const registry = new Registry();
  const callLatency = new Histogram({
    name: 'slim_api_call_latency_ms',
    help: 'Duration of calls to external data sources, in milliseconds, by source adapter.',
    labelNames: ['source'],
    buckets: LATENCY_BUCKETS_MS,
    registers: [registry],
  });
  const availability = new Gauge({
    name: 'slim_api_availability_percent',
    help: `Share of the last ${AVAILABILITY_WINDOW_CALLS} calls to each external source that succeeded, in percent.`,
    labelNames: ['source'],
    registers: [registry],
  });
  const hitRatio = new Gauge({
    name: 'slim_cache_hit_ratio',
    help: 'Source cache lookups answered from a cache tier, over all lookups since start-up (0 to 1; NaN before the first).',
    registers: [registry],
  });
  const quality = new Histogram({
    name: 'slim_data_quality_score',
    help: 'Weighted quality scores of evaluated observations, by category and decision.',
    labelNames: ['category', 'decision'],
    buckets: SCORE_BUCKETS,
    registers: [registry],
  });
  const pushed = new Counter({
    name: 'slim_tokenization_events_pushed',
    help: 'Events written to the tokenization channel (accepted observations and approved reviews).',
    registers: [registry],
  });

  // Per source: the outcomes of its latest calls, as a ring.
  const windows = new Map<string, { outcomes: boolean[]; next: number; ok: number }>();

  return {
    sourceCall(source, durationMs, ok) {
      callLatency.observe({ source }, durationMs);
      let w = windows.get(source);
      if (w === undefined) {
        w = { outcomes: [], next: 0, ok: 0 };
        windows.set(source, w);
      }
      if (w.outcomes.length < AVAILABILITY_WINDOW_CALLS) {
        w.outcomes.push(ok);
      } else {
        if (w.outcomes[w.next] === true) w.ok -= 1;
        w.outcomes[w.next] = ok;
        w.next = (w.next + 1) % AVAILABILITY_WINDOW_CALLS;
      }
      if (ok) w.ok += 1;
      availability.set({ source }, (w.ok / w.outcomes.length) * 100);
    },
    evaluated(reports, published) {
      for (const r of reports) quality.observe({ category: r.category, decision: r.decision }, r.score);
      if (published > 0) pushed.inc(published);
    },
    eventsPushed(count) {
      if (count > 0) pushed.inc(count);
    },
    async render() {
      // NaN before the first lookup: a ratio of nothing is not 0.
      hitRatio.set(sources.cacheHitRatio() ?? Number.NaN);
      return registry.metrics();
    },
  };
}
