import { WEATHER_METRIC_FIELDS, type CarbonObservation, type Category, type CheckResult, type MarketObservation, type Observation } from '../../schemas/index.ts';
import { carbonIndexOf, distanceFromBand } from './carbon-index.ts';
import type { PeerValue, QualityContext } from './context.ts';
import { isWeatherMetric } from './defaults.ts';
import { checkResult, fmt, linearDecay } from './result.ts';
import { observedAtMs } from './timestamps.ts';

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

/** Cross-source agreement needs at least this many peer feeds: one peer alone cannot outvote us. */
export const AGREEMENT_PEERS_MIN = 2;

/**
 * Cross-source agreement per category: relative deviation from the peers' median up to `okRelative`
 * scores 1, from `rejectRelative` 0, linear between. The deviation is taken relative to
 * max(|median|, `scaleFloor`): on interval scales (°C) or near-zero series (rain, an idle sensor)
 * a median close to 0 would make any difference look infinite, so the floor is the smallest
 * magnitude at which "percent off" still means something, in the value's own unit.
 * Markets quote one price to fractions of a percent; appraisals and weather models for one place
 * legitimately differ by a few percent, so their bands are wider.
 */
export const AGREEMENT_BY_CATEGORY: Readonly<Record<Category, { okRelative: number; rejectRelative: number; scaleFloor: number }>> = {
  market: { okRelative: 0.005, rejectRelative: 0.1, scaleFloor: 0 },
  carbon: { okRelative: 0.05, rejectRelative: 0.3, scaleFloor: 10 },
  real_estate: { okRelative: 0.05, rejectRelative: 0.25, scaleFloor: 0 },
  weather: { okRelative: 0.05, rejectRelative: 0.3, scaleFloor: 10 },
  iot: { okRelative: 0.005, rejectRelative: 0.1, scaleFloor: 1 },
};

/**
 * Step 4: the observation agrees with itself (cross-field rules of its category), with the feed's
 * recent history (robust spike test) and with other feeds of the same asset (cross-source
 * agreement). Score is the worst part; the reason names it.
 */
export function checkConsistency(observation: Observation, ctx: QualityContext): CheckResult {
  const cross = crossFieldParts(observation, ctx);
  const spike = spikePartOfSorted(observation.value, ctx.history.sortedValues);
  const agreement = agreementPart(observation.value, ctx.peers, observation.category, observation.feedId);
  // The first of the worst parts, in order cross-field, spike, agreement.
  let worst: Part | undefined;
  for (const p of cross) if (worst === undefined || p.score < worst.score) worst = p;
  if (worst === undefined || spike.score < worst.score) worst = spike;
  if (agreement.score < worst.score) worst = agreement;
  if (worst.score < 1) return checkResult('consistency', worst.score, worst.reason);
  let reasons = '';
  for (const p of cross) reasons += `${p.reason}; `;
  return checkResult('consistency', 1, `${reasons}${spike.reason}; ${agreement.reason}`);
}

/** Parts that never change, built once: this step runs on every observation. */
const NO_PARTS: readonly Part[] = [];
const HUMIDITY_OK: Part = { score: 1, reason: 'humidity within 0..100 %' };
const BID_ASK_OK: readonly Part[] = [{ score: 1, reason: 'bid ≤ price ≤ ask' }];
const BAR_OK: readonly Part[] = [{ score: 1, reason: 'bar open, close and vwap within its low and high' }];
const VALUATION_OK: readonly Part[] = [{ score: 1, reason: 'valuation within its range' }];
const WEATHER_VALUE_MATCHES: Readonly<Record<string, Part>> = Object.fromEntries(
  Object.values(WEATHER_METRIC_FIELDS).map((field) => [field, { score: 1, reason: `value matches data.${field}` }]),
);

function crossFieldParts(o: Observation, ctx: QualityContext): readonly Part[] {
  switch (o.category) {
    case 'weather': {
      const parts: Part[] = [];
      const humidity = o.data.relativeHumidityPct;
      if (humidity !== undefined) {
        parts.push(
          humidity >= 0 && humidity <= 100
            ? HUMIDITY_OK
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
              ? (WEATHER_VALUE_MATCHES[field] as Part)
              : { score: 0, reason: `value ${fmt(o.value)} differs from data.${field} ${fmt(reading)}` },
          );
        }
      }
      return parts;
    }
    case 'market':
      return o.data.bar === undefined ? tradeAgainstQuoteParts(o.data) : barParts(o.data.bar);
    case 'real_estate': {
      const { rangeLowUsd: low, valuationUsd: valuation, rangeHighUsd: high } = o.data;
      if (low !== undefined && low > valuation) {
        return [{ score: 0, reason: `valuation ${fmt(valuation)} below its range low ${fmt(low)}` }];
      }
      if (high !== undefined && valuation > high) {
        return [{ score: 0, reason: `valuation ${fmt(valuation)} above its range high ${fmt(high)}` }];
      }
      return low !== undefined || high !== undefined ? VALUATION_OK : NO_PARTS;
    }
    case 'carbon':
      return carbonIndexParts(o);
    case 'iot':
      return NO_PARTS;
  }
}

/**
 * A trade and the quote beside it are stamped apart (Alpaca: the latest of each), and a trade may
 * print a little outside the quote that followed it; a print far outside it is a bad tick. Distance
 * outside [bid, ask] relative to the mid: full score up to 10 bp, none from 100 bp.
 */
const TRADE_OUTSIDE_QUOTE_OK = 0.001;
const TRADE_OUTSIDE_QUOTE_REJECT = 0.01;

function tradeAgainstQuoteParts(data: MarketObservation['data']): readonly Part[] {
  const { bid, ask, price } = data;
  if (bid === undefined || ask === undefined) return NO_PARTS;
  if (bid > ask) return [{ score: 0, reason: `bid ${fmt(bid)} above ask ${fmt(ask)}` }];
  if (price >= bid && price <= ask) return BID_ASK_OK;
  const outside = (price < bid ? bid - price : price - ask) / ((bid + ask) / 2);
  const score = linearDecay(outside, TRADE_OUTSIDE_QUOTE_OK, TRADE_OUTSIDE_QUOTE_REJECT);
  return [{ score, reason: `price ${fmt(price)} is ${fmt(outside * 10_000)} bp outside [bid ${fmt(bid)}, ask ${fmt(ask)}]` }];
}

/** A bar's open, close and average price lie within its low and high. */
function barParts(bar: NonNullable<MarketObservation['data']['bar']>): readonly Part[] {
  const { open, high, low, close, vwap } = bar;
  if (low > high) return [{ score: 0, reason: `bar low ${fmt(low)} above its high ${fmt(high)}` }];
  const within = (x: number) => x >= low && x <= high;
  if (!within(open) || !within(close) || (vwap !== undefined && !within(vwap))) {
    return [{ score: 0, reason: `bar open ${fmt(open)}, close ${fmt(close)} or vwap outside [low ${fmt(low)}, high ${fmt(high)}]` }];
  }
  return BAR_OK;
}

/**
 * The GB index against the intensity it labels, in the bands of the window's year. The API derives
 * the index from its forecast, so the forecast is compared when there is one; a small distance past
 * an edge is tolerated, since the index may be computed from an earlier forecast than the one shown.
 */
const CARBON_INDEX_MARGIN_G_PER_KWH = 10;

function carbonIndexParts(o: CarbonObservation): readonly Part[] {
  const { index, forecastGPerKwh, intensityGPerKwh } = o.data;
  const intensity = forecastGPerKwh ?? intensityGPerKwh;
  if (index === undefined || intensity === undefined) return NO_PARTS;
  const year = new Date(observedAtMs(o.observedAt)).getUTCFullYear();
  const distance = distanceFromBand(index, intensity, year);
  return distance <= CARBON_INDEX_MARGIN_G_PER_KWH
    ? [{ score: 1, reason: `index "${index}" fits intensity ${fmt(intensity)} g/kWh in ${year}'s bands` }]
    : [{ score: 0, reason: `index "${index}" inconsistent with intensity ${fmt(intensity)} g/kWh in ${year}'s bands (${carbonIndexOf(intensity, year)})` }];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const a = scratchOf(values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i] as number;
  return medianInPlace(a, values.length);
}

/**
 * One module-wide scratch buffer for medians, grown on demand: allocating a typed array costs
 * more than the median of 50 values itself. Safe because the chain is synchronous and medians
 * never nest (each call copies its input in, then reads one number out).
 */
let scratch = new Float64Array(64);
function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * Median of a scratch array, which it reorders: quickselect (expected O(n)) instead of a full
 * sort: cross-source agreement takes a median of up to PEERS_MAX peer values on every evaluation.
 */
function medianInPlace(a: Float64Array, n: number): number {
  const mid = n >> 1;
  selectInPlace(a, n, mid);
  const upper = a[mid] as number;
  if (n % 2 === 1) return upper;
  // After selection everything left of `mid` is ≤ a[mid]: the lower middle is their maximum.
  let lower = a[0] as number;
  for (let i = 1; i < mid; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/** Hoare's selection: afterwards a[k] holds the k-th smallest, with no larger value left of it and no smaller right of it. */
function selectInPlace(a: Float64Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    // Median of three as the pivot: sorted or constant histories (the common case) stay linear.
    const m = (lo + hi) >> 1;
    const x = a[lo] as number, y = a[m] as number, z = a[hi] as number;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Cross-source agreement: the value against the median of other feeds' latest published values
 * of the same asset. The median, not the mean, so one broken peer cannot drag the reference.
 * Abstains (1) with fewer than AGREEMENT_PEERS_MIN usable peers. Its own feed is never a peer.
 */
export function agreementPart(value: number, peers: readonly PeerValue[], category: Category, feedId: string): Part {
  // Usable peer values straight into the scratch buffer: no per-call array.
  const values = scratchOf(peers.length);
  let n = 0;
  for (const p of peers) if (p.feedId !== feedId && Number.isFinite(p.value)) values[n++] = p.value;
  if (n < AGREEMENT_PEERS_MIN) {
    return {
      score: 1,
      reason: `cross-source agreement not applied: ${n} peer feed${n === 1 ? '' : 's'} (needs ${AGREEMENT_PEERS_MIN})`,
    };
  }
  const band = AGREEMENT_BY_CATEGORY[category];
  const m = medianInPlace(values, n);
  const scale = Math.max(Math.abs(m), band.scaleFloor);
  const deviation = Math.abs(value - m);
  if (scale === 0) {
    // Median exactly 0 with no floor (a price cannot be 0; range rejects it): nothing to be relative to.
    return deviation === 0
      ? { score: 1, reason: `equals the median 0 of ${n} peer feeds` }
      : { score: 1, reason: `peers' median is 0 over ${n} peer feeds: no scale to judge agreement` };
  }
  const relative = deviation / scale;
  const score = linearDecay(relative, band.okRelative, band.rejectRelative);
  return { score, reason: `deviation ${fmt(relative * 100)} % from the median ${fmt(m)} of ${n} peer feeds` };
}

const SPIKE_WITHIN = `within ${SPIKE_Z_OK}`;
const SPIKE_IS_SPIKE = `a spike (≥ ${SPIKE_Z_REJECT})`;
const SPIKE_BEYOND = `beyond ${SPIKE_Z_OK}`;

/**
 * Spike test against recent history by median absolute deviation: unlike mean and standard
 * deviation, one earlier outlier in the history cannot inflate the scale and hide the next one.
 * Non-finite history values are left out. The chain takes the history sorted (`spikePartOfSorted`).
 */
export function spikePart(value: number, history: readonly number[]): Part {
  return spikePartOfSorted(value, sortedFinite(history));
}

/** The finite values, ascending: what the I/O layer keeps as `history.sortedValues` (see slim/storage/observations.ts). */
export function sortedFinite(values: readonly number[]): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out.sort(compareNumbers);
}

/**
 * Ascending, with -0 before +0: a total order, so the same values always sort to the same array,
 * however they arrived (the spike test cannot tell the zeros apart, but a comparison of arrays can).
 */
export function compareNumbers(a: number, b: number): number {
  if (a !== b) return a < b ? -1 : 1;
  if (a !== 0) return 0;
  const aNegative = Object.is(a, -0);
  return aNegative === Object.is(b, -0) ? 0 : aNegative ? -1 : 1;
}

/**
 * The spike test over finite history values in ascending order. The median is read off the middle,
 * and the deviations from it are two ascending runs (leftwards and rightwards of the middle), so
 * their median is found by merging the runs halfway: no selection and no buffer per observation.
 * Throws RangeError when `sorted` is not finite and ascending, a bug of whoever built the context.
 */
export function spikePartOfSorted(value: number, sorted: readonly number[]): Part {
  const n = sorted.length;
  assertSortedFinite(sorted);
  if (n < SPIKE_HISTORY_MIN) {
    return { score: 1, reason: `not enough history (${n} of ${SPIKE_HISTORY_MIN} values) for a spike test` };
  }
  const mid = n >> 1;
  const m = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  // Two values near ±Number.MAX_VALUE overflow their mean to ±Infinity; the runs' order then breaks, so select.
  const mad = Number.isFinite(m) ? medianDeviationOfSorted(sorted, m) : medianDeviationBySelection(sorted, m);
  const deviation = Math.abs(value - m);
  if (mad > 0) {
    const z = (MAD_TO_SIGMA * deviation) / mad;
    const score = linearDecay(z, SPIKE_Z_OK, SPIKE_Z_REJECT);
    const verdict = score === 1 ? SPIKE_WITHIN : score === 0 ? SPIKE_IS_SPIKE : SPIKE_BEYOND;
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

function medianDeviationBySelection(values: readonly number[], m: number): number {
  const a = scratchOf(values.length);
  for (let i = 0; i < values.length; i++) a[i] = Math.abs((values[i] as number) - m);
  return medianInPlace(a, values.length);
}

function assertSortedFinite(sorted: readonly number[]): void {
  const n = sorted.length;
  if (n === 0) return;
  // Ascending (a NaN fails every comparison) between finite ends: then every value is finite.
  if (!Number.isFinite(sorted[0]) || !Number.isFinite(sorted[n - 1])) throw new RangeError('history.sortedValues must be finite');
  for (let i = 1; i < n; i++) {
    if (!((sorted[i] as number) >= (sorted[i - 1] as number))) throw new RangeError(`history.sortedValues must ascend (index ${i}: ${sorted[i]})`);
  }
}

/**
 * Median of |x − m| over an ascending array whose median is m. Left of `mid` every value is ≤ m and
 * right of it ≥ m, so the deviations m − x (walking left from mid − 1) and x − m (walking right from
 * mid) each ascend: the merge of the two runs yields the deviations in order, and the median needs
 * only its first half. The same numbers as selecting over |x − m| (subtraction is exact under negation).
 */
function medianDeviationOfSorted(sorted: readonly number[], m: number): number {
  const n = sorted.length;
  let left = (n >> 1) - 1;
  let right = n >> 1;
  // Ranks of the deviations the median needs: (n−1)/2 and n/2 (the same rank when n is odd).
  const lowRank = (n - 1) >> 1;
  const highRank = n >> 1;
  let low = 0;
  for (let rank = 0; rank <= highRank; rank++) {
    const fromLeft = left >= 0 ? m - (sorted[left] as number) : Number.POSITIVE_INFINITY;
    const fromRight = right < n ? (sorted[right] as number) - m : Number.POSITIVE_INFINITY;
    let next: number;
    if (fromLeft <= fromRight) {
      next = fromLeft;
      left--;
    } else {
      next = fromRight;
      right++;
    }
    if (rank === lowRank) low = next;
    if (rank === highRank) return n % 2 === 1 ? next : (low + next) / 2;
  }
  // Unreachable for n ≥ 1: the loop returns at highRank.
  throw new RangeError('median deviation of no values');
}
