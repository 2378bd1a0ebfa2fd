import { CHECK_NAMES, FRESHNESS_SLA_MS, type Category, type CheckName, type FeedQualityConfig, type QualityWeightsByCategory } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { QualitySettings } from './context.ts';
import { DEFAULT_THRESHOLDS, DEFAULT_WEAKEST_CHECK_MARGIN, DEFAULT_WEIGHTS, defaultRange } from './defaults.ts';

/**
 * Resolves what the chain needs for one feed: category defaults, then the deployment's
 * QUALITY_WEIGHTS for the category, then the feed's own overrides (weights merge per check;
 * thresholds and range replace as a whole). `metric` picks the default range where a category
 * has several quantities (weather variable, carbon kind). `sourceTimestampPrecisionMs` is the
 * adapter's timestamp resolution (e.g. OPEN_METEO_CURRENT_INTERVAL_MS), tolerated by freshness;
 * `freshnessSlaMs` replaces the category's SLA (a feed's own, or its source's).
 */
export function resolveQualitySettings(
  category: Category,
  feedQuality: FeedQualityConfig,
  configWeights: QualityWeightsByCategory,
  metric?: string,
  options: { sourceTimestampPrecisionMs?: number; freshnessSlaMs?: number } = {},
): QualitySettings {
  const weights: Record<CheckName, number> = { ...DEFAULT_WEIGHTS };
  // Both layers were validated at their boundary (configuration, feed registration): names are check names.
  for (const layer of [configWeights[category] ?? {}, feedQuality.weights ?? {}]) {
    for (const name of CHECK_NAMES) {
      const weight = layer[name];
      if (weight !== undefined) weights[name] = weight;
    }
  }
  // With every weight at zero the weighted mean is 0/0: refuse the configuration rather than guess.
  if (CHECK_NAMES.every((name) => weights[name] === 0)) {
    throw new AppError('INVALID_INPUT', `quality weights for ${category} are all zero: at least one check must count`);
  }

  const thresholds = feedQuality.thresholds ?? DEFAULT_THRESHOLDS;
  if (!(thresholds.review <= thresholds.accept)) {
    throw new AppError('INVALID_INPUT', `quality thresholds: review (${thresholds.review}) exceeds accept (${thresholds.accept})`);
  }

  const precisionMs = options.sourceTimestampPrecisionMs ?? 0;
  if (!Number.isFinite(precisionMs) || precisionMs < 0) {
    throw new AppError('INVALID_INPUT', `sourceTimestampPrecisionMs must be a finite number ≥ 0, got ${precisionMs}`);
  }

  return {
    weights,
    thresholds: { accept: thresholds.accept, review: thresholds.review },
    weakestCheckMargin: DEFAULT_WEAKEST_CHECK_MARGIN,
    freshnessSlaMs: options.freshnessSlaMs ?? FRESHNESS_SLA_MS[category],
    sourceTimestampPrecisionMs: precisionMs,
    range: feedQuality.range ? { min: feedQuality.range.min, max: feedQuality.range.max } : defaultRange(category, metric),
    category,
  };
}
