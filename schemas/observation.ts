import { z } from 'zod';
import { Identifier, IsoTimestamp } from './common.ts';

/**
 * A normalized observation: what every adapter produces, whatever its source.
 * `value` is the primary number the feed attests (a price, a temperature, ...);
 * `data` keeps the category's full reading.
 */
const base = {
  feedId: Identifier,
  assetId: Identifier,
  /** The source's own timestamp: freshness is measured from it, never from fetch time. */
  observedAt: IsoTimestamp,
  receivedAt: IsoTimestamp,
  value: z.number(),
  unit: z.string().min(1).max(32),
  source: z.object({
    adapter: z.string().min(1).max(64),
    url: z.string().max(2048).optional(),
    deviceId: z.string().max(128).optional(),
    /** How the source proved itself: a verified push signature, an authenticated pull, or nothing. */
    authentication: z.enum(['signed', 'api_key', 'registered_endpoint', 'none']),
  }),
  /**
   * The source's own uncertainty around `value`, as the width of its interval relative to `value`
   * (0: exact; 1: the interval is as wide as the value, or wider — clamped). Market: the bid/ask
   * spread over the mid; real estate: the AVM's price range over the price. Absent when the source
   * states no interval. Lower is better: it is a relative width, not a probability.
   */
  confidence: z.number().min(0).max(1).optional(),
};

export const MarketData = z.object({
  symbol: z.string().min(1).max(32),
  price: z.number(),
  bid: z.number().optional(),
  ask: z.number().optional(),
  volume: z.number().optional(),
  exchange: z.string().max(32).optional(),
  /** When the bid/ask were quoted, if the source dates them apart from `observedAt` (the trade). */
  quotedAt: IsoTimestamp.optional(),
  /** The bar the value comes from, when the feed attests a bar (`observedAt` is its start). */
  bar: z
    .object({
      open: z.number(),
      high: z.number(),
      low: z.number(),
      close: z.number(),
      volume: z.number(),
      vwap: z.number().optional(),
      tradeCount: z.number().int().optional(),
      durationMs: z.number().int().positive(),
    })
    .optional(),
});

export const RealEstateData = z.object({
  propertyId: z.string().min(1).max(256),
  valuationUsd: z.number(),
  rangeLowUsd: z.number().optional(),
  rangeHighUsd: z.number().optional(),
  /** How many comparable properties the valuation rests on. */
  comparablesCount: z.number().int().min(0).optional(),
});

export const CarbonData = z.object({
  kind: z.enum(['intensity', 'credit_price']),
  region: z.string().max(64).optional(),
  intensityGPerKwh: z.number().optional(),
  forecastGPerKwh: z.number().optional(),
  index: z.enum(['very low', 'low', 'moderate', 'high', 'very high']).optional(),
  priceUsdPerTonne: z.number().optional(),
  /** Which credit a price is for, as its source names it (a CoinGecko coin id such as toucan-protocol-base-carbon-tonne). */
  instrument: z.string().min(1).max(128).optional(),
  /** Whether `intensityGPerKwh` is the measured value or, while the window is open, the forecast. */
  intensityBasis: z.enum(['actual', 'forecast']).optional(),
  /** End of the half-hour window the intensity covers (`observedAt` is its start). */
  windowEnd: IsoTimestamp.optional(),
});

export const IotData = z.object({
  deviceId: z.string().min(1).max(128),
  metric: z.string().min(1).max(64),
  reading: z.number(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
  /** Shipment trackers (EasyPost): what the carrier reported; `reading` is the stage of `status`. */
  shipment: z
    .object({
      trackingCode: z.string().min(1).max(64),
      trackerId: z.string().max(128).optional(),
      status: z.string().min(1).max(64),
      statusDetail: z.string().max(128).optional(),
      carrier: z.string().max(64).optional(),
      /** The newest tracking detail's carrier message, e.g. "Arrived at USPS Facility". */
      message: z.string().max(512).optional(),
      location: z
        .object({
          city: z.string().max(128).optional(),
          state: z.string().max(128).optional(),
          country: z.string().max(128).optional(),
          zip: z.string().max(32).optional(),
        })
        .optional(),
    })
    .optional(),
});

export const WeatherData = z.object({
  latitude: z.number(),
  longitude: z.number(),
  timezone: z.string().max(64),
  temperatureC: z.number().optional(),
  relativeHumidityPct: z.number().optional(),
  windSpeedKmh: z.number().optional(),
  precipitationMm: z.number().optional(),
  pressureHpa: z.number().optional(),
});

export const MarketObservation = z.object({ ...base, category: z.literal('market'), data: MarketData });
export const RealEstateObservation = z.object({ ...base, category: z.literal('real_estate'), data: RealEstateData });
export const CarbonObservation = z.object({ ...base, category: z.literal('carbon'), data: CarbonData });
export const IotObservation = z.object({ ...base, category: z.literal('iot'), data: IotData });
export const WeatherObservation = z.object({ ...base, category: z.literal('weather'), data: WeatherData });

export const Observation = z.discriminatedUnion('category', [
  MarketObservation,
  RealEstateObservation,
  CarbonObservation,
  IotObservation,
  WeatherObservation,
]);
export type Observation = z.infer<typeof Observation>;
export type MarketObservation = z.infer<typeof MarketObservation>;
export type RealEstateObservation = z.infer<typeof RealEstateObservation>;
export type CarbonObservation = z.infer<typeof CarbonObservation>;
export type IotObservation = z.infer<typeof IotObservation>;
export type WeatherObservation = z.infer<typeof WeatherObservation>;

/**
 * Which `WeatherData` field carries each Open-Meteo `current` variable. Shared by the adapter
 * (which fills the fields) and the quality chain (which checks that `value` is the attested one).
 * Keyed by the names in `OPEN_METEO_VARIABLES` (feed.ts imports this file, so the list is not imported
 * here; oracles/open-meteo.ts asserts at compile time that both name the same variables).
 */
export const WEATHER_METRIC_FIELDS = {
  temperature_2m: 'temperatureC',
  relative_humidity_2m: 'relativeHumidityPct',
  wind_speed_10m: 'windSpeedKmh',
  precipitation: 'precipitationMm',
  surface_pressure: 'pressureHpa',
} as const satisfies Record<string, keyof z.infer<typeof WeatherData>>;
export type WeatherMetric = keyof typeof WEATHER_METRIC_FIELDS;
