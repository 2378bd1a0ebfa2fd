import type {
  CarbonObservation,
  FeedQualityConfig,
  FeedSource,
  IotObservation,
  MarketObservation,
  Observation,
  RealEstateObservation,
  WeatherObservation,
} from '../../../schemas/index.ts';
import { pushSignaturePayload } from '../../../schemas/index.ts';
import type { PushContext, QualityContext, QualitySettings } from '../../../slim/quality/context.ts';
import { contentHashOf, resolveQualitySettings, signPushPayload, sortedFinite } from '../../../slim/quality/index.ts';

/** The evaluation instant of every test: 30 s after the fixtures' source timestamp. */
export const NOW = new Date('2025-01-15T13:45:30.000Z');
export const OBSERVED_AT = '2025-01-15T13:45:00.000Z';

export const weather = (over: Partial<WeatherObservation> = {}, data: Partial<WeatherObservation['data']> = {}): WeatherObservation => ({
  feedId: 'feed-weather-1',
  assetId: 'berlin-weather',
  category: 'weather',
  observedAt: OBSERVED_AT,
  receivedAt: '2025-01-15T13:45:29.000Z',
  value: 3.4,
  unit: '°C',
  source: { adapter: 'open-meteo', url: 'https://api.open-meteo.com/v1/forecast?latitude=52.52', authentication: 'registered_endpoint' },
  ...over,
  data: {
    latitude: 52.52,
    longitude: 13.42,
    timezone: 'Europe/Berlin',
    temperatureC: 3.4,
    relativeHumidityPct: 81,
    windSpeedKmh: 14.8,
    precipitationMm: 0,
    pressureHpa: 1016.2,
    ...data,
  },
});

export const iot = (over: Partial<IotObservation> = {}, data: Partial<IotObservation['data']> = {}): IotObservation => ({
  feedId: 'feed-iot-1',
  assetId: 'cold-store-7',
  category: 'iot',
  observedAt: OBSERVED_AT,
  receivedAt: '2025-01-15T13:45:29.000Z',
  value: 4.2,
  unit: '°C',
  source: { adapter: 'push', deviceId: 'sensor-42', authentication: 'signed' },
  ...over,
  data: { deviceId: 'sensor-42', metric: 'temperature', reading: 4.2, latitude: 52.5, longitude: 13.4, ...data },
});

export const market = (over: Partial<MarketObservation> = {}, data: Partial<MarketObservation['data']> = {}): MarketObservation => ({
  feedId: 'feed-market-1',
  assetId: 'btc-usd',
  category: 'market',
  observedAt: OBSERVED_AT,
  receivedAt: '2025-01-15T13:45:00.500Z',
  value: 100,
  unit: 'USD',
  source: { adapter: 'exchange', url: 'https://exchange.example/ticker', authentication: 'api_key' },
  ...over,
  data: { symbol: 'BTC-USD', price: 100, bid: 99.5, ask: 100.5, volume: 12, exchange: 'X', ...data },
});

export const realEstate = (over: Partial<RealEstateObservation> = {}, data: Partial<RealEstateObservation['data']> = {}): RealEstateObservation => ({
  feedId: 'feed-re-1',
  assetId: 'flat-12',
  category: 'real_estate',
  observedAt: OBSERVED_AT,
  receivedAt: '2025-01-15T13:45:29.000Z',
  value: 450_000,
  unit: 'USD',
  source: { adapter: 'appraisal', url: 'https://appraisal.example/v1', authentication: 'api_key' },
  ...over,
  data: { propertyId: 'p-12', valuationUsd: 450_000, rangeLowUsd: 420_000, rangeHighUsd: 480_000, ...data },
});

export const carbon = (over: Partial<CarbonObservation> = {}, data: Partial<CarbonObservation['data']> = {}): CarbonObservation => ({
  feedId: 'feed-carbon-1',
  assetId: 'gb-grid',
  category: 'carbon',
  observedAt: OBSERVED_AT,
  receivedAt: '2025-01-15T13:45:29.000Z',
  value: 150,
  unit: 'gCO2/kWh',
  source: { adapter: 'carbon-intensity', url: 'https://api.carbonintensity.org.uk/intensity', authentication: 'registered_endpoint' },
  ...over,
  data: { kind: 'intensity', region: 'GB', intensityGPerKwh: 150, forecastGPerKwh: 148, index: 'moderate', ...data },
});

const OPEN_METEO_SOURCE: FeedSource = {
  adapter: 'open-meteo',
  params: { latitude: 52.52, longitude: 13.42, timezone: 'Europe/Berlin', metric: 'temperature_2m', baseUrl: 'https://api.open-meteo.com' },
};
const PUSH_SOURCE: FeedSource = { adapter: 'push', params: { deviceId: 'sensor-42', metric: 'temperature', unit: '°C' } };

/** The registered feed an observation claims, active, with the source its category implies. */
export function feedFor(o: Observation, quality: FeedQualityConfig = {}): NonNullable<QualityContext['feed']> {
  return {
    id: o.feedId,
    category: o.category,
    assetId: o.assetId,
    status: 'active',
    source: o.category === 'iot' ? PUSH_SOURCE : OPEN_METEO_SOURCE,
    quality,
  };
}

/** The registered device of the iot fixtures: observes their asset, in service. */
export const DEVICE = { id: 'sensor-42', assetId: 'cold-store-7', secret: 'key-of-device-sensor-42', revokedAt: null };
export const NONCE = 'nonce-0123456789abcdef';
export const PUSH_WINDOW_MS = 300_000;
export const PUSH_SKEW_MS = 5_000;

/** What a device signs for a reading `o` (the fields of the reading, the feed's device and the nonce). */
export const payloadOf = (o: Observation, nonce = NONCE, deviceId = DEVICE.id): string =>
  pushSignaturePayload({ deviceId, feedId: o.feedId, observedAt: o.observedAt, value: o.value, nonce });

/** The push context of a reading of `o` signed with the device's key, fresh, its nonce first seen; tests change one thing. */
export function verifiedPush(o: Observation, over: Partial<PushContext> = {}): PushContext {
  const signedPayload = payloadOf(o);
  return {
    device: DEVICE,
    signature: signPushPayload(DEVICE.secret, signedPayload),
    signedPayload,
    nonce: NONCE,
    nonceFirstSeen: true,
    windowMs: PUSH_WINDOW_MS,
    clockSkewMs: PUSH_SKEW_MS,
    ...over,
  };
}

export interface ContextOverrides {
  feed?: QualityContext['feed'];
  /** History parts; `recentContentHashes` lists the hashes the context's lookup then holds. */
  history?: Partial<QualityContext['history']> & { recentContentHashes?: readonly string[] };
  peers?: QualityContext['peers'];
  push?: QualityContext['push'];
  settings?: Partial<QualitySettings>;
  quality?: FeedQualityConfig;
  now?: Date;
  contentHash?: string;
}

/** A context in which a well-formed observation passes every check; tests change one thing. */
export function contextFor(o: Observation, over: ContextOverrides = {}): QualityContext {
  const quality = over.quality ?? {};
  const metric = o.category === 'weather' ? 'temperature_2m' : o.category === 'carbon' ? o.data.kind : undefined;
  const settings = { ...resolveQualitySettings(o.category, quality, {}, metric), ...over.settings };
  return {
    now: over.now ?? NOW,
    feed: over.feed === undefined ? feedFor(o, quality) : over.feed,
    // The I/O layer keeps the sorted view of the values beside them; so does every test context.
    history: {
      values: over.history?.values ?? [],
      lastObservedAt: over.history?.lastObservedAt ?? null,
      sortedValues: over.history?.sortedValues ?? sortedFinite(over.history?.values ?? []),
      seenContentHashes: over.history?.seenContentHashes ?? new Set(over.history?.recentContentHashes ?? []),
    },
    peers: over.peers ?? [],
    contentHash: over.contentHash ?? contentHashOf(o),
    // An iot reading always arrives with its device looked up: by default, a verified signed reading.
    ...(over.push ? { push: over.push } : o.category === 'iot' ? { push: verifiedPush(o) } : {}),
    settings,
  };
}
