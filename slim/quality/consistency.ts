import { WEATHER_METRIC_FIELDS, type CarbonObservation, type CheckResult, type Observation } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { isWeatherMetric } from './defaults.ts';
import { checkResult, fmt, linearDecay } from './result.ts';

interface Part {
  score: number;
  reason: string;
}

/** Robust z (0.6745·|x−median|/MAD) up to which a value is ordinary, and from which it is surely a spike. */
export const SPIKE_Z_OK = 3.5;
export const SPIKE_Z_REJECT = 10;
/** Below this many history values a median says little; the spike test abstains. */
export const SPIKE_HISTORY_MIN = 5;
/** Fallback when MAD is 0 (history mostly one value): relative deviation from the median. */
export const SPIKE_RELATIVE_OK = 0.01;
export const SPIKE_RELATIVE_REJECT = 0.2;
/** 0.6745 is the 75th percentile of the standard normal: it makes MAD comparable to a standard deviation. */
const MAD_TO_SIGMA = 0.6745;

/**
 * Step 4: the observation agrees with itself (cross-field rules of its category) and with the
 * feed's recent history (robust spike test). Score is the worst part; the reason names it.
 */
export function checkConsistency(observation: Observation, ctx: QualityContext): CheckResult {
  const parts = [...crossFieldParts(observation, ctx), spikePart(observation.value, ctx.history.values)];
  const worst = parts.reduce((a, b) => (b.score < a.score ? b : a));
  if (worst.score < 1) return checkResult('consistency', worst.score, worst.reason);
  return checkResult('consistency', 1, parts.map((p) => p.reason).join('; '));
}

function crossFieldParts(o: Observation, ctx: QualityContext): Part[] {
  switch (o.category) {
    case 'weather': {
      const parts: Part[] = [];
      const humidity = o.data.relativeHumidityPct;
      if (humidity !== undefined) {
        parts.push(
          humidity >= 0 && humidity <= 100
            ? { score: 1, reason: 'humidity within 0..100 %' }
            : { score: 0, reason: `relative humidity ${fmt(humidity)} % outside 0..100 %` },
        );
      }
      // The attested value must be the reading of the feed's variable, not another one copied by mistake.
      const source = ctx.feed?.source;
      if (source?.adapter === 'open-meteo' && isWeatherMetric(source.params.metric)) {
        const field = WEATHER_METRIC_FIELDS[source.params.metric];
        const reading = o.data[field];
        if (reading !== undefined) {
          parts.push(
            reading === o.value
              ? { score: 1, reason: `value matches data.${field}` }
              : { score: 0, reason: `value ${fmt(o.value)} differs from data.${field} ${fmt(reading)}` },
          );
        }
      }
      return parts;
    }
    case 'market': {
      const { bid, ask, price } = o.data;
      if (bid === undefined || ask === undefined) return [];
      if (bid > ask) return [{ score: 0, reason: `bid ${fmt(bid)} above ask ${fmt(ask)}` }];
      if (price < bid || price > ask) return [{ score: 0, reason: `price ${fmt(price)} outside [bid ${fmt(bid)}, ask ${fmt(ask)}]` }];
      return [{ score: 1, reason: 'bid ≤ price ≤ ask' }];
    }
    case 'real_estate': {
      const { rangeLowUsd: low, valuationUsd: valuation, rangeHighUsd: high } = o.data;
      if (low !== undefined && low > valuation) {
        return [{ score: 0, reason: `valuation ${fmt(valuation)} below its range low ${fmt(low)}` }];
      }
      if (high !== undefined && valuation > high) {
        return [{ score: 0, reason: `valuation ${fmt(valuation)} above its range high ${fmt(high)}` }];
      }
      return low !== undefined || high !== undefined ? [{ score: 1, reason: 'valuation within its range' }] : [];
    }
    case 'carbon':
      return carbonIndexParts(o.data);
    case 'iot':
      return [];
  }
}

/**
 * Carbon intensity index bands in g CO2/kWh (the GB National Grid scheme). The published bands
 * are lowered a little every year, so a margin around each boundary is tolerated: the check is
 * for a "very low" label on a coal-grade intensity, not for a year's exact band edges.
 */
const CARBON_INDEX_BANDS: ReadonlyArray<{ index: NonNullable<CarbonObservation['data']['index']>; from: number; to: number }> = [
  { index: 'very low', from: 0, to: 40 },
  { index: 'low', from: 40, to: 120 },
  { index: 'moderate', from: 120, to: 200 },
  { index: 'high', from: 200, to: 280 },
  { index: 'very high', from: 280, to: Number.POSITIVE_INFINITY },
];
const CARBON_INDEX_MARGIN_G_PER_KWH = 25;

function carbonIndexParts(data: CarbonObservation['data']): Part[] {
  const { index, intensityGPerKwh: intensity } = data;
  if (index === undefined || intensity === undefined) return [];
  const band = CARBON_INDEX_BANDS.find((b) => b.index === index);
  if (band === undefined) return [];
  const fits = intensity >= band.from - CARBON_INDEX_MARGIN_G_PER_KWH && intensity < band.to + CARBON_INDEX_MARGIN_G_PER_KWH;
  return fits
    ? [{ score: 1, reason: `index "${index}" fits intensity ${fmt(intensity)} g/kWh` }]
    : [{ score: 0, reason: `index "${index}" inconsistent with intensity ${fmt(intensity)} g/kWh` }];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Spike test against recent history by median absolute deviation: unlike mean and standard
 * deviation, one earlier outlier in the history cannot inflate the scale and hide the next one.
 */
export function spikePart(value: number, history: readonly number[]): Part {
  const values = history.filter(Number.isFinite);
  if (values.length < SPIKE_HISTORY_MIN) {
    return { score: 1, reason: `not enough history (${values.length} of ${SPIKE_HISTORY_MIN} values) for a spike test` };
  }
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m)));
  const deviation = Math.abs(value - m);
  if (mad > 0) {
    const z = (MAD_TO_SIGMA * deviation) / mad;
    const score = linearDecay(z, SPIKE_Z_OK, SPIKE_Z_REJECT);
    const verdict = score === 1 ? `within ${SPIKE_Z_OK}` : score === 0 ? `a spike (≥ ${SPIKE_Z_REJECT})` : `beyond ${SPIKE_Z_OK}`;
    return { score, reason: `robust z ${fmt(z)} against median ${fmt(m)} is ${verdict}` };
  }
  // MAD is 0: most of the history is one value, so there is no spread to scale by. Fall back to
  // the deviation relative to that value. At a median of 0 a relative deviation is undefined, and
  // zero-heavy series (precipitation) would flag every first drop of rain: abstain instead.
  if (m === 0) {
    return deviation === 0
      ? { score: 1, reason: 'value equals the constant history 0' }
      : { score: 1, reason: 'history constant at 0: no scale to judge a spike' };
  }
  const relative = deviation / Math.abs(m);
  const score = linearDecay(relative, SPIKE_RELATIVE_OK, SPIKE_RELATIVE_REJECT);
  return { score, reason: `deviation ${fmt(relative * 100)} % from the constant history ${fmt(m)}` };
}
