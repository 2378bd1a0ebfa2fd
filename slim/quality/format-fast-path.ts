import type { Category } from '../../schemas/index.ts';
import { canonicalIsoMs, canonicalObservedAtMs } from './timestamps.ts';

/**
 * A hand-written mirror of the observation schemas (schemas/observation.ts) for the format step's
 * common case: it answers true only for input the category's zod schema certainly accepts, and
 * false for everything else, which then goes through zod (so every reason still comes from zod).
 * zod stays the validator at every boundary; this only spares the chain a second full parse of
 * data that is nearly always valid (about 1.5 µs of the chain's budget per observation).
 *
 * Where zod's rule is costly to mirror exactly, the fast path is conservative: a string longer in
 * UTF-16 units than the limit (zod counts code points), a timestamp in any shape but the canonical
 * `YYYY-MM-DDTHH:MM:SS.sssZ`, all go to zod. tests/slim/quality/format-fast-path.test.ts holds it to
 * zod's answers with fast-check, on valid and broken input.
 */
export function certainlyValidObservation(input: Record<string, unknown>, category: Category): boolean {
  if (!(isIdentifier(input['feedId']) && isIdentifier(input['assetId']))) return false;
  const observedAt = input['observedAt'];
  if (typeof observedAt !== 'string' || Number.isNaN(canonicalObservedAtMs(observedAt))) return false;
  if (!isCanonicalIsoTimestamp(input['receivedAt'])) return false;
  if (!isNumber(input['value']) || !isString(input['unit'], 1, 32)) return false;
  if (!isSource(input['source'])) return false;
  const confidence = input['confidence'];
  if (confidence !== undefined && !(isNumber(confidence) && confidence >= 0 && confidence <= 1)) return false;
  const data = input['data'];
  if (!isObject(data)) return false;
  switch (category) {
    case 'market':
      return isMarketData(data);
    case 'real_estate':
      return isRealEstateData(data);
    case 'carbon':
      return isCarbonData(data);
    case 'iot':
      return isIotData(data);
    case 'weather':
      return isWeatherData(data);
  }
}

type Raw = Record<string, unknown>;

/** zod's object test: any non-null object but an array (class instances included). */
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** z.number(): finite (NaN and ±Infinity are rejected). */
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isOptionalNumber = (v: unknown): boolean => v === undefined || isNumber(v);
/** z.number().int(): a safe integer. */
const isSafeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * z.string().min(min).max(max), conservatively: zod measures code points, of which a string has at
 * most as many as UTF-16 units, so `length ≤ max` always passes zod's max. For the minimum, only 0
 * and 1 are used by the schemas: a non-empty string has at least one code point.
 */
function isString(v: unknown, min: 0 | 1, max: number): v is string {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}
const isOptionalString = (v: unknown, min: 0 | 1, max: number): boolean => v === undefined || isString(v, min, max);

const AUTHENTICATIONS: ReadonlySet<unknown> = new Set(['signed', 'api_key', 'registered_endpoint', 'none']);
const CARBON_KINDS: ReadonlySet<unknown> = new Set(['intensity', 'credit_price']);
const CARBON_INDEXES: ReadonlySet<unknown> = new Set(['very low', 'low', 'moderate', 'high', 'very high']);
const INTENSITY_BASES: ReadonlySet<unknown> = new Set(['actual', 'forecast']);

function isSource(v: unknown): boolean {
  if (!isObject(v)) return false;
  return (
    isString(v['adapter'], 1, 64) &&
    isOptionalString(v['url'], 0, 2048) &&
    isOptionalString(v['deviceId'], 0, 128) &&
    AUTHENTICATIONS.has(v['authentication'])
  );
}

function isMarketData(d: Raw): boolean {
  if (!(isString(d['symbol'], 1, 32) && isNumber(d['price']))) return false;
  if (!(isOptionalNumber(d['bid']) && isOptionalNumber(d['ask']) && isOptionalNumber(d['volume']))) return false;
  if (!isOptionalString(d['exchange'], 0, 32)) return false;
  const quotedAt = d['quotedAt'];
  if (quotedAt !== undefined && !isCanonicalIsoTimestamp(quotedAt)) return false;
  const bar = d['bar'];
  if (bar === undefined) return true;
  if (!isObject(bar)) return false;
  const tradeCount = bar['tradeCount'];
  const durationMs = bar['durationMs'];
  return (
    isNumber(bar['open']) &&
    isNumber(bar['high']) &&
    isNumber(bar['low']) &&
    isNumber(bar['close']) &&
    isNumber(bar['volume']) &&
    isOptionalNumber(bar['vwap']) &&
    (tradeCount === undefined || isSafeInteger(tradeCount)) &&
    isSafeInteger(durationMs) &&
    durationMs > 0
  );
}

function isRealEstateData(d: Raw): boolean {
  const comparables = d['comparablesCount'];
  return (
    isString(d['propertyId'], 1, 256) &&
    isNumber(d['valuationUsd']) &&
    isOptionalNumber(d['rangeLowUsd']) &&
    isOptionalNumber(d['rangeHighUsd']) &&
    (comparables === undefined || (isSafeInteger(comparables) && comparables >= 0))
  );
}

function isCarbonData(d: Raw): boolean {
  const index = d['index'];
  const basis = d['intensityBasis'];
  const windowEnd = d['windowEnd'];
  return (
    CARBON_KINDS.has(d['kind']) &&
    isOptionalString(d['region'], 0, 64) &&
    isOptionalNumber(d['intensityGPerKwh']) &&
    isOptionalNumber(d['forecastGPerKwh']) &&
    (index === undefined || CARBON_INDEXES.has(index)) &&
    isOptionalNumber(d['priceUsdPerTonne']) &&
    isOptionalString(d['instrument'], 1, 128) &&
    (basis === undefined || INTENSITY_BASES.has(basis)) &&
    (windowEnd === undefined || isCanonicalIsoTimestamp(windowEnd))
  );
}

function isIotData(d: Raw): boolean {
  if (!(isString(d['deviceId'], 1, 128) && isString(d['metric'], 1, 64) && isNumber(d['reading']))) return false;
  if (!(isOptionalNumber(d['latitude']) && isOptionalNumber(d['longitude']))) return false;
  const shipment = d['shipment'];
  if (shipment === undefined) return true;
  if (!isObject(shipment)) return false;
  if (!(isString(shipment['trackingCode'], 1, 64) && isOptionalString(shipment['trackerId'], 0, 128) && isString(shipment['status'], 1, 64))) return false;
  if (!(isOptionalString(shipment['statusDetail'], 0, 128) && isOptionalString(shipment['carrier'], 0, 64) && isOptionalString(shipment['message'], 0, 512))) return false;
  const location = shipment['location'];
  if (location === undefined) return true;
  return (
    isObject(location) &&
    isOptionalString(location['city'], 0, 128) &&
    isOptionalString(location['state'], 0, 128) &&
    isOptionalString(location['country'], 0, 128) &&
    isOptionalString(location['zip'], 0, 32)
  );
}

function isWeatherData(d: Raw): boolean {
  return (
    isNumber(d['latitude']) &&
    isNumber(d['longitude']) &&
    isString(d['timezone'], 0, 64) &&
    isOptionalNumber(d['temperatureC']) &&
    isOptionalNumber(d['relativeHumidityPct']) &&
    isOptionalNumber(d['windSpeedKmh']) &&
    isOptionalNumber(d['precipitationMm']) &&
    isOptionalNumber(d['pressureHpa'])
  );
}

/** Identifier: 1..128 characters of [A-Za-z0-9._:-], starting with a letter or digit. */
function isIdentifier(v: unknown): boolean {
  if (typeof v !== 'string' || v.length < 1 || v.length > 128) return false;
  if (!isAlphanumeric(v.charCodeAt(0))) return false;
  for (let i = 1; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // . : _ -
    if (!(isAlphanumeric(c) || c === 0x2e || c === 0x3a || c === 0x5f || c === 0x2d)) return false;
  }
  return true;
}

const isAlphanumeric = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ` with a real calendar date (zod's ISO pattern knows month lengths and
 * Gregorian leap years), the shape toISOString writes. Other shapes zod may accept are left to zod.
 */
const isCanonicalIsoTimestamp = (v: unknown): boolean => typeof v === 'string' && !Number.isNaN(canonicalIsoMs(v));
