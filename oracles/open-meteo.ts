import { z } from 'zod';
import {
  OPEN_METEO_VARIABLES,
  WeatherObservation,
  type OpenMeteoSource,
  type WeatherMetric,
} from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { getJson } from './http.ts';

export type OpenMeteoParams = z.infer<typeof OpenMeteoSource>['params'];
type OpenMeteoVariable = (typeof OPEN_METEO_VARIABLES)[number];

// Compile-time guard: the schema's variable list and the data-field map name the same variables.
const _sameVariables: [OpenMeteoVariable, WeatherMetric] extends [WeatherMetric, OpenMeteoVariable] ? true : never = true;
void _sameVariables;

/**
 * Open-Meteo's current conditions come from 15-minutely model data (`current.interval` = 900 s):
 * `current.time` is the start of the running quarter hour, so a poll sees a timestamp up to
 * 15 minutes old even when the answer is the newest there is.
 */
export const OPEN_METEO_CURRENT_INTERVAL_MS = 900_000;

/** Local wall-clock time without seconds or offset, as Open-Meteo writes it with `timeformat=iso8601`. */
const LOCAL_MINUTE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

const reading = z.number().nullable();

/** The documented JSON answer of `GET /v1/forecast?current=...` (only what this adapter reads is required). */
export const OpenMeteoCurrentResponse = z.object({
  latitude: z.number(),
  longitude: z.number(),
  generationtime_ms: z.number(),
  utc_offset_seconds: z.number().int().min(-18 * 3600).max(18 * 3600),
  timezone: z.string(),
  timezone_abbreviation: z.string(),
  elevation: z.number(),
  current_units: z.object({
    time: z.literal('iso8601'),
    interval: z.literal('seconds'),
    temperature_2m: z.string().min(1),
    relative_humidity_2m: z.string().min(1),
    wind_speed_10m: z.string().min(1),
    precipitation: z.string().min(1),
    surface_pressure: z.string().min(1),
  }),
  current: z.object({
    time: z.string().regex(LOCAL_MINUTE, 'expected local time YYYY-MM-DDTHH:MM'),
    interval: z.number().int().positive(),
    // A variable can be null where the model has no value; only the attested one must be present.
    temperature_2m: reading,
    relative_humidity_2m: reading,
    wind_speed_10m: reading,
    precipitation: reading,
    surface_pressure: reading,
  }),
});
export type OpenMeteoCurrentResponse = z.infer<typeof OpenMeteoCurrentResponse>;

/** The request for a feed's current conditions; all five variables, so the observation is complete. */
export function openMeteoUrl(params: OpenMeteoParams): string {
  const base = params.baseUrl.replace(/\/+$/, '');
  const query = [
    `latitude=${params.latitude}`,
    `longitude=${params.longitude}`,
    `current=${OPEN_METEO_VARIABLES.join(',')}`,
    `timezone=${encodeURIComponent(params.timezone)}`,
  ].join('&');
  return `${base}/v1/forecast?${query}`;
}

/**
 * Converts Open-Meteo's local wall-clock time to UTC with the offset the answer itself states,
 * rather than a time-zone database that may disagree with the source's around a DST change.
 */
export function openMeteoTimeToUtc(localTime: string, utcOffsetSeconds: number): string {
  const m = LOCAL_MINUTE.exec(localTime);
  if (m === null) throw new AppError('SOURCE_FAILED', `Open-Meteo current.time "${localTime}" is not YYYY-MM-DDTHH:MM`);
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const utcMs = Date.UTC(y, mo - 1, d, h, mi) - utcOffsetSeconds * 1000;
  const date = new Date(utcMs);
  // Date.UTC rolls 2024-02-30 over into March; a calendar-invalid time is a broken answer, not a date.
  const local = new Date(utcMs + utcOffsetSeconds * 1000);
  if (local.getUTCMonth() !== mo - 1 || local.getUTCDate() !== d || h > 23 || mi > 59) {
    throw new AppError('SOURCE_FAILED', `Open-Meteo current.time "${localTime}" is not a real time`);
  }
  return date.toISOString();
}

const orUndefined = (v: number | null): number | undefined => (v === null ? undefined : v);

/**
 * Maps an Open-Meteo answer to a normalized weather observation. `observedAt` is the source's own
 * timestamp (freshness is judged from it, never from `receivedAt`); `value` is the feed's metric.
 * Coordinates are the answer's: Open-Meteo snaps to its model grid, and that is where the data is from.
 */
export function toWeatherObservation(
  feed: { id: string; assetId: string },
  params: OpenMeteoParams,
  response: OpenMeteoCurrentResponse,
  receivedAt: Date,
  url: string,
): WeatherObservation {
  const metric = params.metric;
  const value = response.current[metric];
  if (value === null) throw new AppError('SOURCE_FAILED', `Open-Meteo has no value for current.${metric} at this location`);
  const c = response.current;
  const observation: WeatherObservation = {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'weather',
    observedAt: openMeteoTimeToUtc(c.time, response.utc_offset_seconds),
    receivedAt: receivedAt.toISOString(),
    value,
    unit: response.current_units[metric],
    source: { adapter: 'open-meteo', url, authentication: 'registered_endpoint' },
    data: {
      latitude: response.latitude,
      longitude: response.longitude,
      timezone: response.timezone,
      temperatureC: orUndefined(c.temperature_2m),
      relativeHumidityPct: orUndefined(c.relative_humidity_2m),
      windSpeedKmh: orUndefined(c.wind_speed_10m),
      precipitationMm: orUndefined(c.precipitation),
      pressureHpa: orUndefined(c.surface_pressure),
    },
  };
  // Postcondition: what this adapter produces is a valid observation (catches a unit longer than the schema allows).
  const checked = WeatherObservation.safeParse(observation);
  if (!checked.success) {
    const first = checked.error.issues[0];
    throw new AppError('SOURCE_FAILED', `Open-Meteo answer maps to an invalid observation: ${first?.path.join('.')}: ${first?.message}`, {
      cause: checked.error,
    });
  }
  return checked.data;
}

export interface FetchOpenMeteoOptions {
  timeoutMs: number;
  /** Clock for `receivedAt`; a Date or a function read when the answer arrives. */
  now?: Date | (() => Date);
}

/** Fetches a feed's current conditions once. Every failure is AppError 'SOURCE_FAILED'; no retries here. */
export async function fetchOpenMeteo(
  feed: { id: string; assetId: string },
  params: OpenMeteoParams,
  options: FetchOpenMeteoOptions,
): Promise<WeatherObservation> {
  const url = openMeteoUrl(params);
  const response = await getJson(url, OpenMeteoCurrentResponse, { timeoutMs: options.timeoutMs, sourceName: 'Open-Meteo' });
  const now = options.now;
  const receivedAt = now === undefined ? new Date() : typeof now === 'function' ? now() : now;
  return toWeatherObservation(feed, params, response, receivedAt, url);
}
