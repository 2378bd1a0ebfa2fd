import { WEATHER_METRIC_FIELDS, type Category, type CheckName, type QualityThresholds, type WeatherMetric } from '../../schemas/index.ts';
import type { QualityRange } from './context.ts';

/**
 * Category defaults of the quality chain. Range and consistency weigh double: a value outside
 * physical bounds or a spike is the failure an oracle most needs to stop; freshness and source
 * verification follow; the rest are cheap structural checks.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<CheckName, number>> = {
  completeness: 1,
  format: 1,
  range: 2,
  consistency: 2,
  source_verification: 1.5,
  freshness: 1.5,
  uniqueness: 1,
  referential_integrity: 1,
};

export const DEFAULT_THRESHOLDS: Readonly<QualityThresholds> = { accept: 0.8, review: 0.6 };

/** The final score may exceed the weakest check by at most this much. */
export const DEFAULT_WEAKEST_CHECK_MARGIN = 0.2;

/**
 * Physical plausibility of Open-Meteo's `current` variables in its default units (°C, %, km/h, mm, hPa).
 * Temperature: the recorded extremes are about −89 °C and +57 °C. Surface pressure (not sea-level):
 * 800 hPa is roughly 2 km of altitude, so feeds at higher stations must override the range.
 */
export const WEATHER_METRIC_RANGES: Readonly<Record<WeatherMetric, QualityRange>> = {
  temperature_2m: { min: -90, max: 60 },
  relative_humidity_2m: { min: 0, max: 100 },
  wind_speed_10m: { min: 0, max: 500 },
  precipitation: { min: 0, max: 500 },
  surface_pressure: { min: 800, max: 1100 },
};

/** A strictly positive amount with no upper bound worth guessing (prices, valuations). */
const POSITIVE: QualityRange = { min: 0, max: Number.MAX_VALUE, minExclusive: true };

/**
 * Default bounds of `value` for a category and, where the category has several, its metric
 * (weather: the Open-Meteo variable; carbon: the `kind`). null means no bounds are known:
 * IoT devices measure anything, so only a feed's own override can bound them.
 */
export function defaultRange(category: Category, metric?: string): QualityRange | null {
  switch (category) {
    case 'weather': {
      const key = metric ?? 'temperature_2m';
      return isWeatherMetric(key) ? WEATHER_METRIC_RANGES[key] : null;
    }
    case 'market':
      return POSITIVE;
    case 'real_estate':
      return POSITIVE;
    case 'carbon':
      // Grid carbon intensity: coal-heavy grids peak near 1000–1200 g/kWh, so 2000 is generous.
      // Credit prices are a different quantity (USD per tonne) with no useful upper bound.
      return metric === 'credit_price' ? { min: 0, max: Number.MAX_VALUE } : { min: 0, max: 2000 };
    case 'iot':
      return null;
  }
}

export const isWeatherMetric = (metric: string): metric is WeatherMetric => Object.hasOwn(WEATHER_METRIC_FIELDS, metric);
