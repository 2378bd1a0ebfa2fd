import type { EnvConfig, FeedSource, Observation } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { fetchOpenMeteo, OPEN_METEO_CURRENT_INTERVAL_MS } from '../oracles/open-meteo.ts';
import { ALPACA_BAR_MS, attestsBar, fetchAlpacaStock, type AlpacaCredentials } from '../oracles/alpaca.ts';
import { fetchRentCastAvm, type RentCastCredentials } from '../oracles/rentcast.ts';
import { CARBON_INTENSITY_WINDOW_MS, fetchCarbonIntensity } from '../oracles/carbon-intensity.ts';
import { COINGECKO_TIMESTAMP_PRECISION_MS, fetchCoinGeckoCarbon } from '../oracles/coingecko-carbon.ts';
import { withSourceDispatch } from '../oracles/http.ts';
import { EASYPOST_FRESHNESS_SLA_MS, EASYPOST_TIMESTAMP_PRECISION_MS } from '../oracles/easypost.ts';
import type { Clock } from './clock.ts';
import type { SourceDestinations } from './outbound/destination/index.ts';

/**
 * Pull adapters: the sources the worker fetches from. Push feeds are fed by their devices, mqtt feeds
 * by the broker subscription (slim/mqtt), EasyPost trackers by EasyPost's webhooks (slim/webhooks).
 */
export const isPullSource = (source: FeedSource): boolean => !INTAKE_ADAPTERS.has(source.adapter);
const INTAKE_ADAPTERS = new Set<FeedSource['adapter']>(['push', 'mqtt', 'easypost-tracker']);

/**
 * Resolution of a source's timestamps, which the freshness check forgives. Open-Meteo stamps its
 * current conditions with the start of the running quarter hour, so the newest answer there is
 * can look up to 15 minutes old; holding it to the 1-minute weather SLA without this would send
 * nearly every real poll to review. The Carbon Intensity API does the same with half hours.
 */
export function sourceTimestampPrecisionMs(source: FeedSource): number {
  switch (source.adapter) {
    case 'open-meteo':
      return OPEN_METEO_CURRENT_INTERVAL_MS;
    case 'carbon-intensity-uk':
      return CARBON_INTENSITY_WINDOW_MS;
    case 'coingecko-carbon':
      return COINGECKO_TIMESTAMP_PRECISION_MS;
    case 'rentcast-avm':
      // Dated by the HTTP `Date` header: whole seconds.
      return 1_000;
    case 'alpaca-stocks':
      // A bar is dated by its start and closes a minute later; a trade's nanoseconds are kept to the millisecond.
      return attestsBar(source.params) ? ALPACA_BAR_MS : 0;
    case 'push':
      return 0;
    case 'mqtt':
      // ThingsBoard's `ts` is in milliseconds.
      return 0;
    case 'easypost-tracker':
      return EASYPOST_TIMESTAMP_PRECISION_MS;
  }
}

/**
 * A source's own freshness SLA where its category's does not fit it: a carrier scans a parcel at
 * depots hours apart, so the IoT category's 30 s (made for sensors) would reject every tracker event.
 * Undefined: the category's SLA.
 */
export function sourceFreshnessSlaMs(source: FeedSource): number | undefined {
  return source.adapter === 'easypost-tracker' ? EASYPOST_FRESHNESS_SLA_MS : undefined;
}

/** The origin a pull source fetches from; null for sources that are not fetched (push, mqtt, webhooks). */
export function sourceOrigin(source: FeedSource): string | null {
  const baseUrl = sourceBaseUrl(source);
  return baseUrl === null ? null : new URL(baseUrl).origin;
}

/** The base URL a pull source fetches from; null for sources that are not fetched. */
export function sourceBaseUrl(source: FeedSource): string | null {
  switch (source.adapter) {
    case 'push':
    case 'mqtt':
    case 'easypost-tracker':
      return null;
    default:
      return source.params.baseUrl;
  }
}

/**
 * Provider secrets, configured by the operator per source (environment), never in feed params:
 * those are stored and returned by GET. A source absent here has no credentials.
 */
export interface SourceCredentials {
  alpaca?: AlpacaCredentials;
  rentcast?: RentCastCredentials;
  /** The operator's MQTT broker (MQTT_URL): mqtt feeds need one. */
  mqtt?: { url: string };
}

export function sourceCredentialsOf(config: Pick<EnvConfig, 'ALPACA_KEY_ID' | 'ALPACA_SECRET_KEY' | 'RENTCAST_API_KEY' | 'MQTT_URL'>): SourceCredentials {
  const credentials: SourceCredentials = {};
  if (config.ALPACA_KEY_ID !== undefined && config.ALPACA_SECRET_KEY !== undefined) {
    credentials.alpaca = { keyId: config.ALPACA_KEY_ID, secretKey: config.ALPACA_SECRET_KEY };
  }
  if (config.RENTCAST_API_KEY !== undefined) credentials.rentcast = { apiKey: config.RENTCAST_API_KEY };
  if (config.MQTT_URL !== undefined) credentials.mqtt = { url: config.MQTT_URL };
  return credentials;
}

/** Which environment variables a source needs; empty for sources without keys. */
export function sourceCredentialVariables(source: FeedSource): readonly string[] {
  switch (source.adapter) {
    case 'alpaca-stocks':
      return ['ALPACA_KEY_ID', 'ALPACA_SECRET_KEY'];
    case 'rentcast-avm':
      return ['RENTCAST_API_KEY'];
    case 'mqtt':
      return ['MQTT_URL'];
    default:
      return [];
  }
}

function hasCredentials(source: FeedSource, credentials: SourceCredentials): boolean {
  switch (source.adapter) {
    case 'alpaca-stocks':
      return credentials.alpaca !== undefined;
    case 'rentcast-avm':
      return credentials.rentcast !== undefined;
    case 'mqtt':
      return credentials.mqtt !== undefined;
    default:
      return true;
  }
}

/**
 * Refuses, at registration, a source whose host is or resolves to a non-public address (unless
 * its origin is in SOURCE_ORIGINS_ALLOWED), or one whose credentials the operator has not
 * configured, naming the field and the reason.
 */
export async function assertSourceAllowed(source: FeedSource, destinations: SourceDestinations, credentials: SourceCredentials = {}): Promise<void> {
  const baseUrl = sourceBaseUrl(source);
  if (baseUrl !== null) {
    const verdict = await destinations.verdict(new URL(baseUrl));
    if (!verdict.allowed) {
      throw new AppError('INVALID_INPUT', `source.params.baseUrl: ${verdict.reason}; sources must be public (an operator may allow the origin with SOURCE_ORIGINS_ALLOWED)`, {
        details: [{ path: 'source.params.baseUrl', message: verdict.reason }],
      });
    }
  }
  if (source.adapter === 'mqtt' && credentials.mqtt === undefined) {
    throw new AppError('INVALID_INPUT', 'source.adapter: mqtt feeds need the operator\'s MQTT broker, and this worker has none (the operator sets MQTT_URL)', {
      details: [{ path: 'source.adapter', message: 'no MQTT broker is configured (MQTT_URL)' }],
    });
  }
  if (!hasCredentials(source, credentials)) {
    const variables = sourceCredentialVariables(source).join(' and ');
    throw new AppError('INVALID_INPUT', `source.adapter: ${source.adapter} needs credentials this worker does not have (the operator sets ${variables})`, {
      details: [{ path: 'source.adapter', message: `${source.adapter} credentials are not configured (${variables})` }],
    });
  }
}

/** Fetches one observation from a pull feed's source; failures are AppError SOURCE_FAILED with the cause. */
export async function fetchFromSource(
  feed: { id: string; assetId: string; source: FeedSource },
  opts: { timeoutMs: number; clock: Clock; destinations: SourceDestinations; credentials?: SourceCredentials },
): Promise<Observation> {
  // Every request of the adapter goes through the SSRF guard, checked at each connection.
  return withSourceDispatch(opts.destinations, () => fetchUnguarded(feed, opts));
}

async function fetchUnguarded(
  feed: { id: string; assetId: string; source: FeedSource },
  opts: { timeoutMs: number; clock: Clock; credentials?: SourceCredentials },
): Promise<Observation> {
  const source = feed.source;
  const adapterFeed = { id: feed.id, assetId: feed.assetId };
  const fetchOptions = { timeoutMs: opts.timeoutMs, now: () => opts.clock.now() };
  const credentials = opts.credentials ?? {};
  switch (source.adapter) {
    case 'open-meteo':
      return fetchOpenMeteo(adapterFeed, source.params, fetchOptions);
    case 'alpaca-stocks':
      return fetchAlpacaStock(adapterFeed, source.params, { ...fetchOptions, credentials: credentialsOrFail(credentials.alpaca, source) });
    case 'rentcast-avm':
      return fetchRentCastAvm(adapterFeed, source.params, { ...fetchOptions, credentials: credentialsOrFail(credentials.rentcast, source) });
    case 'carbon-intensity-uk':
      return fetchCarbonIntensity(adapterFeed, source.params, fetchOptions);
    case 'coingecko-carbon':
      return fetchCoinGeckoCarbon(adapterFeed, source.params, fetchOptions);
    case 'push':
      throw new AppError('CONFLICT', `feed ${feed.id} is a push feed: nothing to fetch, its devices submit readings`);
    case 'mqtt':
      throw new AppError('CONFLICT', `feed ${feed.id} reads MQTT topic ${source.params.topic}: nothing to fetch, the broker delivers readings`);
    case 'easypost-tracker':
      throw new AppError('CONFLICT', `feed ${feed.id} follows an EasyPost tracker: nothing to fetch, EasyPost posts its events`);
  }
}

/** Credentials can disappear after registration (the operator restarted without them): fail the fetch, by name. */
function credentialsOrFail<C>(credentials: C | undefined, source: FeedSource): C {
  if (credentials !== undefined) return credentials;
  throw new AppError('SOURCE_FAILED', `${source.adapter} credentials are not configured (${sourceCredentialVariables(source).join(' and ')})`);
}
