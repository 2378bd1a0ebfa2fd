import type { Observation, WeatherObservation } from '../../../../schemas/index.ts';
import { answerOf, type CacheEntry } from '../../../../slim/cache/index.ts';
import type { CacheableFeed } from '../../../../slim/cache/index.ts';

/** A weather feed of the local stand-in's kind; feeds built with the same `latitude` share a source. */
export function weatherFeedOf(id: string, options: { latitude?: number; metric?: 'temperature_2m' | 'wind_speed_10m'; intervalMs?: number } = {}): CacheableFeed {
  return {
    id,
    assetId: `asset-${id}`,
    category: 'weather',
    source: {
      adapter: 'open-meteo',
      params: {
        latitude: options.latitude ?? 52.52,
        longitude: 13.405,
        timezone: 'UTC',
        metric: options.metric ?? 'temperature_2m',
        baseUrl: 'http://127.0.0.1:9',
      },
    },
    schedule: { intervalMs: options.intervalMs ?? 60_000 },
  };
}

/** What the Open-Meteo adapter would answer for `feed`: a valid weather observation. */
export function weatherObservation(feed: Pick<CacheableFeed, 'id' | 'assetId'>, observedAt: Date, receivedAt: Date, temperatureC = 12.5): WeatherObservation {
  return {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'weather',
    observedAt: observedAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    value: temperatureC,
    unit: '°C',
    source: { adapter: 'open-meteo', url: 'http://127.0.0.1:9/v1/forecast', authentication: 'registered_endpoint' },
    data: { latitude: 52.52, longitude: 13.4, timezone: 'GMT', temperatureC, relativeHumidityPct: 71, windSpeedKmh: 11.2, precipitationMm: 0, pressureHpa: 1014.3 },
  };
}

/** A cache entry stored at `storedAt`, living `ttlMs`. */
export function entryOf(observation: Observation, storedAt: Date, ttlMs: number): CacheEntry {
  return { answer: answerOf(observation), storedAtMs: storedAt.getTime(), expiresAtMs: storedAt.getTime() + ttlMs };
}
