import { CHECK_NAMES, FRESHNESS_SLA_MS, type Category, type CheckName, type FeedQualityConfig } from '../../schemas/index.ts';
import { AppError } from '../../runtime/errors.ts';
import type { QualitySettings } from './context.ts';
import { DEFAULT_THRESHOLDS, DEFAULT_WEAKEST_CHECK_MARGIN, DEFAULT_WEIGHTS, defaultRange } from './defaults.ts';

const isCheckName = (name: string): name is CheckName => (CHECK_NAMES as readonly string[]).includes(name);

/**
 * Validates the QUALITY_WEIGHTS configuration as a whole (every category, every check name), so a
 * typo such as `freshnes` stops the process at start-up instead of being silently ignored.
 */
export function validateQualityWeightsConfig(configWeights: Record<string, Record<string, number>>): void {
  for (const [category, weights] of Object.entries(configWeights)) {
    if (!(category in FRESHNESS_SLA_MS)) {
      throw new AppError('INVALID_INPUT', `QUALITY_WEIGHTS: unknown category "${category}"`);
    }
    for (const [name, weight] of Object.entries(weights)) checkWeight(`QUALITY_WEIGHTS.${category}`, name, weight);
  }
}

function checkWeight(where: string, name: string, weight: number): asserts name is CheckName {
  if (!isCheckName(name)) {
    throw new AppError('INVALID_INPUT', `${where}: unknown check "${name}" (expected one of ${CHECK_NAMES.join(', ')})`);
  }
  if (!Number.isFinite(weight) || weight < 0) {
    throw new AppError('INVALID_INPUT', `${where}.${name}: weight must be a finite number ≥ 0, got ${weight}`);
  }
}

/**
 * Resolves what the chain needs for one feed: category defaults, then the deployment's
 * QUALITY_WEIGHTS for the category, then the feed's own overrides (weights merge per check;
 * thresholds and range replace as a whole). `metric` picks the default range where a category
 * has several quantities (weather variable, carbon kind). `sourceTimestampPrecisionMs` is the
 * adapter's timestamp resolution (e.g. OPEN_METEO_CURRENT_INTERVAL_MS), tolerated by freshness.
 */
export function resolveQualitySettings(
  category: Category,
  feedQuality: FeedQualityConfig,
  configWeights: Record<string, Record<string, number>>,
  metric?: string,
  options: { sourceTimestampPrecisionMs?: number } = {},
): QualitySettings {
  const weights: Record<CheckName, number> = { ...DEFAULT_WEIGHTS };
  for (const [name, weight] of Object.entries(configWeights[category] ?? {})) {
    checkWeight(`QUALITY_WEIGHTS.${category}`, name, weight);
    weights[name] = weight;
  }
  for (const [name, weight] of Object.entries(feedQuality.weights ?? {})) {
    if (weight === undefined) continue;
    checkWeight('feed quality.weights', name, weight);
    weights[name] = weight;
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
    freshnessSlaMs: FRESHNESS_SLA_MS[category],
    sourceTimestampPrecisionMs: precisionMs,
    range: feedQuality.range ? { min: feedQuality.range.min, max: feedQuality.range.max } : defaultRange(category, metric),
    category,
  };
}
