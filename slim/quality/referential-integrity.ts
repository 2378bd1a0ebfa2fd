import { ADAPTER_CATEGORY, type CheckResult, type FeedSource, type Observation } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { checkResult } from './result.ts';

/**
 * How far (degrees) a weather answer's coordinates may lie from the requested ones: Open-Meteo snaps
 * to its model grid (0.25° at its coarsest global model, so up to ~0.18° diagonally); farther is another place.
 */
export const WEATHER_COORDINATE_TOLERANCE_DEG = 0.25;

/** The only region the UK Carbon Intensity adapter asks for (national intensity). */
const CARBON_INTENSITY_REGION = 'GB';

/**
 * Step 8: what the observation refers to exists and is what the feed asked for: a registered, active
 * feed; its asset, category and (IoT) its registered device, in service, observing that asset; and for
 * pulled sources the entity the source answered about (symbol, property, region or coin, coordinates).
 * Whether the asset exists on the ledger is not checked here: the ledger's asset registry arrives with
 * the ledger issue, and the check will join this step then.
 */
export function checkReferentialIntegrity(observation: Observation, ctx: QualityContext): CheckResult {
  const feed = ctx.feed;
  if (feed === null) return checkResult('referential_integrity', 0, 'unknown feed');
  if (feed.status === 'paused') return checkResult('referential_integrity', 0, `feed ${feed.id} is paused`);
  if (observation.feedId !== feed.id) {
    return checkResult('referential_integrity', 0, `feedId ${observation.feedId} is not feed ${feed.id}`);
  }
  if (observation.assetId !== feed.assetId) {
    return checkResult('referential_integrity', 0, `assetId ${observation.assetId} is not the feed's asset ${feed.assetId}`);
  }
  if (observation.category !== feed.category) {
    return checkResult('referential_integrity', 0, `category ${observation.category} is not the feed's ${feed.category}`);
  }
  const mismatch = observation.category === 'iot' ? deviceMismatch(observation, feed, ctx) : entityMismatch(observation, feed.source);
  if (mismatch !== null) return checkResult('referential_integrity', 0, mismatch);
  return checkResult('referential_integrity', 1, `belongs to active feed ${feed.id} (asset ${feed.assetId})`);
}

type Feed = NonNullable<QualityContext['feed']>;

/**
 * IoT: the reading names the feed's device, and that device is registered, not revoked, and observes
 * the feed's asset (registration enforces this; a device whose asset differs cannot vouch for this one).
 */
function deviceMismatch(observation: Extract<Observation, { category: 'iot' }>, feed: Feed, ctx: QualityContext): string | null {
  const source = feed.source;
  if (source.adapter === 'mqtt') {
    // MQTT telemetry is not signed by a registered device: the feed's own device name is what it refers to.
    return observation.data.deviceId === source.params.deviceId ? null : `device ${observation.data.deviceId} is not the feed's device ${source.params.deviceId}`;
  }
  if (source.adapter !== 'push') return ADAPTER_CATEGORY[source.adapter] === 'iot' ? null : `iot observation on a ${source.adapter} feed`;
  const deviceId = source.params.deviceId;
  if (observation.data.deviceId !== deviceId) return `device ${observation.data.deviceId} is not the feed's registered device ${deviceId}`;
  const push = ctx.push;
  if (push === undefined) return `device ${deviceId} was not looked up in the device registry`;
  if (push.device === null) return `device ${deviceId} is not registered`;
  if (push.device.id !== deviceId) return `looked up device ${push.device.id}, but the feed names ${deviceId}`;
  if (push.device.revokedAt !== null) return `device ${deviceId} was revoked at ${push.device.revokedAt}`;
  if (push.device.assetId !== feed.assetId) return `device ${deviceId} observes asset ${push.device.assetId}, not the feed's ${feed.assetId}`;
  return null;
}

/** Pulled sources: the entity the source answered about is the one the feed asked for. */
function entityMismatch(observation: Exclude<Observation, { category: 'iot' }>, source: FeedSource): string | null {
  switch (source.adapter) {
    case 'alpaca-stocks':
      if (observation.category !== 'market') return null;
      return observation.data.symbol === source.params.symbol ? null : `the source answered about symbol ${observation.data.symbol}, the feed asked for ${source.params.symbol}`;
    case 'rentcast-avm':
      if (observation.category !== 'real_estate') return null;
      // RentCast's answer has no property id of its own: the adapter keeps the address it asked about.
      return sameAddress(observation.data.propertyId, source.params.address)
        ? null
        : `the valuation is of property "${observation.data.propertyId}", the feed asked for "${source.params.address}"`;
    case 'carbon-intensity-uk':
      if (observation.category !== 'carbon') return null;
      return observation.data.region === undefined || observation.data.region === CARBON_INTENSITY_REGION
        ? null
        : `the intensity is of region ${observation.data.region}, the feed asked for ${CARBON_INTENSITY_REGION}`;
    case 'coingecko-carbon':
      return coinMismatch(observation.source.url, source.params.coinId);
    case 'open-meteo':
      if (observation.category !== 'weather') return null;
      return coordinatesMismatch(observation.data, source.params);
    default:
      // Push (the device is checked apart) and sources whose answer names no entity of their own.
      return null;
  }
}

/** Addresses compare without case, surrounding spaces and repeated blanks: "1 Main St,  Austin" is "1 main st, austin". */
export function sameAddress(a: string, b: string): boolean {
  return isAscii(a) && isAscii(b) ? sameAsciiWords(a, b) : normalizedAddress(a) === normalizedAddress(b);
}

const normalizedAddress = (s: string): string => s.trim().replace(/\s+/g, ' ').toLowerCase();

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** ASCII white space as `\s` and `trim` know it: tab, line feed, vertical tab, form feed, carriage return, space. */
const isAsciiSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const asciiLower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);

/**
 * `normalizedAddress(a) === normalizedAddress(b)` for ASCII strings, walked in place: the normalized
 * forms are equal exactly when both have the same words (runs of non-blanks) up to ASCII case. This
 * runs on every real-estate observation, where the regex and copies cost more than the rest of the step.
 */
function sameAsciiWords(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && isAsciiSpace(a.charCodeAt(i))) i++;
    while (j < b.length && isAsciiSpace(b.charCodeAt(j))) j++;
    if (i >= a.length || j >= b.length) return i >= a.length && j >= b.length;
    // One word of each, compared to its end.
    while (i < a.length && j < b.length) {
      const x = a.charCodeAt(i);
      const y = b.charCodeAt(j);
      if (isAsciiSpace(x) || isAsciiSpace(y)) break;
      if (asciiLower(x) !== asciiLower(y)) return false;
      i++;
      j++;
    }
    const aWordEnds = i >= a.length || isAsciiSpace(a.charCodeAt(i));
    const bWordEnds = j >= b.length || isAsciiSpace(b.charCodeAt(j));
    if (!(aWordEnds && bWordEnds)) return false;
  }
}

/** CoinGecko's answer is keyed by the coin asked for; the request URL's `ids` names it. */
function coinMismatch(url: string | undefined, coinId: string): string | null {
  if (url === undefined) return `no source URL to tell which coin was priced (the feed asked for ${coinId})`;
  let ids: string | null;
  try {
    ids = new URL(url).searchParams.get('ids');
  } catch {
    return `source URL "${url}" is not a URL`;
  }
  return ids === coinId ? null : `the source priced coin ${ids ?? '(none)'}, the feed asked for ${coinId}`;
}

function coordinatesMismatch(data: { latitude: number; longitude: number }, asked: { latitude: number; longitude: number }): string | null {
  const dLat = Math.abs(data.latitude - asked.latitude);
  // Longitudes wrap: 179.9 and -179.9 are 0.2° apart.
  const dLonRaw = Math.abs(data.longitude - asked.longitude) % 360;
  const dLon = Math.min(dLonRaw, 360 - dLonRaw);
  if (dLat <= WEATHER_COORDINATE_TOLERANCE_DEG && dLon <= WEATHER_COORDINATE_TOLERANCE_DEG) return null;
  return `the weather is for ${data.latitude}, ${data.longitude}, more than ${WEATHER_COORDINATE_TOLERANCE_DEG}° from the feed's ${asked.latitude}, ${asked.longitude}`;
}
