import { z } from 'zod';
import { CarbonObservation, type CarbonIntensitySource } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { getJson } from './http.ts';
import { checkedObservation, receivedAtOf, type AdapterFeed, type FetchOptions } from './observation.ts';

export type CarbonIntensityParams = z.infer<typeof CarbonIntensitySource>['params'];

/**
 * The API reports half-hour windows and dates each by its start: the current window's `from`
 * is up to 30 minutes old even in the newest answer there is.
 */
export const CARBON_INTENSITY_WINDOW_MS = 1_800_000;

/** UTC to the minute, as the API writes it: "2018-01-20T12:00Z" (no seconds). */
const UTC_MINUTE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})Z$/;
const minute = z.string().regex(UTC_MINUTE, 'expected UTC time YYYY-MM-DDTHH:MMZ');
/** Windows read from one answer: `/intensity` sends one; the bound stops a runaway list. */
const WINDOWS_MAX = 96;

/** `GET /intensity` (Carbon Intensity API v2, documented fields): the current half-hour, national (GB). */
export const CarbonIntensityResponse = z.object({
  data: z
    .array(
      z.object({
        from: minute,
        to: minute,
        intensity: z.object({
          /** gCO2/kWh, forecast for the window. */
          forecast: z.number().int().nonnegative(),
          /** gCO2/kWh, measured: null until the window has closed. */
          actual: z.number().int().nonnegative().nullable(),
          index: z.enum(['very low', 'low', 'moderate', 'high', 'very high']),
        }),
      }),
    )
    .min(1, 'expected at least one window')
    .max(WINDOWS_MAX),
});
export type CarbonIntensityResponse = z.infer<typeof CarbonIntensityResponse>;

export function carbonIntensityUrl(params: CarbonIntensityParams): string {
  return `${params.baseUrl.replace(/\/+$/, '')}/intensity`;
}

/** "2018-01-20T12:00Z" as an ISO timestamp; a calendar-invalid time is a broken answer. */
export function carbonIntensityTimeToIso(text: string): string {
  const m = UTC_MINUTE.exec(text);
  if (m === null) throw new AppError('SOURCE_FAILED', `Carbon Intensity time "${text}" is not YYYY-MM-DDTHH:MMZ`);
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59) {
    throw new AppError('SOURCE_FAILED', `Carbon Intensity time "${text}" is not a real time`);
  }
  return date.toISOString();
}

/**
 * Maps the newest window to a carbon observation: `value` is the measured intensity when the
 * window has closed, else its forecast (`data.intensityBasis` says which); `observedAt` is the
 * window's start, `data.windowEnd` its end.
 */
export function toCarbonIntensityObservation(feed: AdapterFeed, response: CarbonIntensityResponse, receivedAt: Date, url: string): CarbonObservation {
  const windows = response.data.map((w) => ({ ...w, fromIso: carbonIntensityTimeToIso(w.from), toIso: carbonIntensityTimeToIso(w.to) }));
  const newest = windows.reduce((a, b) => (b.fromIso > a.fromIso ? b : a));
  if (newest.toIso <= newest.fromIso) {
    throw new AppError('SOURCE_FAILED', `Carbon Intensity window ${newest.from}–${newest.to} ends before it starts`);
  }
  const { forecast, actual, index } = newest.intensity;
  const value = actual ?? forecast;
  const observation: CarbonObservation = {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'carbon',
    observedAt: newest.fromIso,
    receivedAt: receivedAt.toISOString(),
    value,
    unit: 'gCO2/kWh',
    source: { adapter: 'carbon-intensity-uk', url, authentication: 'registered_endpoint' },
    data: {
      kind: 'intensity',
      region: 'GB',
      intensityGPerKwh: value,
      forecastGPerKwh: forecast,
      index,
      intensityBasis: actual === null ? 'forecast' : 'actual',
      windowEnd: newest.toIso,
    },
  };
  return checkedObservation(CarbonObservation, observation, 'Carbon Intensity');
}

/** Fetches the current national intensity once. Failures: AppError SOURCE_FAILED; no retries here. */
export async function fetchCarbonIntensity(feed: AdapterFeed, params: CarbonIntensityParams, options: FetchOptions): Promise<CarbonObservation> {
  const url = carbonIntensityUrl(params);
  const response = await getJson(url, CarbonIntensityResponse, { timeoutMs: options.timeoutMs, sourceName: 'Carbon Intensity' });
  return toCarbonIntensityObservation(feed, response, receivedAtOf(options.now), url);
}
