import { z } from 'zod';
import { RealEstateObservation, type RentCastAvmSource } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { getJsonResponse } from './http.ts';
import { checkedObservation, receivedAtOf, type AdapterFeed, type FetchOptions } from './observation.ts';

export type RentCastAvmParams = z.infer<typeof RentCastAvmSource>['params'];

/** The operator's RentCast key, sent as `X-Api-Key`. */
export interface RentCastCredentials {
  apiKey: string;
}

/** Bound on the comparables read: RentCast documents at most 25 (`compCount`). */
const COMPARABLES_MAX = 100;

/** One comparable property (only what this adapter may read; RentCast sends many more fields). */
const Comparable = z.object({
  id: z.string().optional(),
  formattedAddress: z.string().optional(),
  price: z.number().optional(),
  distance: z.number().optional(),
  correlation: z.number().optional(),
});

/** `GET /v1/avm/value?address=...` (RentCast "Value Estimate", documented fields). */
export const RentCastAvmValueResponse = z.object({
  price: z.number().positive(),
  priceRangeLow: z.number().nonnegative(),
  priceRangeHigh: z.number().nonnegative(),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  comparables: z.array(Comparable).max(COMPARABLES_MAX),
});
export type RentCastAvmValueResponse = z.infer<typeof RentCastAvmValueResponse>;

export function rentCastUrl(params: RentCastAvmParams): string {
  const base = params.baseUrl.replace(/\/+$/, '');
  const query = new URLSearchParams({ address: params.address });
  if (params.propertyType !== undefined) query.set('propertyType', params.propertyType);
  if (params.compCount !== undefined) query.set('compCount', String(params.compCount));
  // URLSearchParams writes spaces as "+"; %20 is what RentCast's own examples use.
  return `${base}/v1/avm/value?${query.toString().replace(/\+/g, '%20')}`;
}

export const rentCastHeaders = (credentials: RentCastCredentials): Record<string, string> => ({ 'X-Api-Key': credentials.apiKey });

/**
 * When the valuation was made. RentCast's AVM answer carries no timestamp of its own, so this is
 * the answer's HTTP `Date` header (the source's clock, to the second) when it has a valid one,
 * else the fetch time. Either way it is when the value was computed or served, not when the
 * comparables were listed; the real estate freshness SLA (1 h) is measured from it.
 */
export function rentCastObservedAt(dateHeader: string | string[] | undefined, receivedAt: Date): string {
  const text = Array.isArray(dateHeader) ? dateHeader[0] : dateHeader;
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : receivedAt.toISOString();
}

/** The range width relative to the price, clamped to [0,1]. */
export function rangeOverPrice(low: number, high: number, price: number): number {
  return Math.min(1, Math.max(0, (high - low) / price));
}

/**
 * Maps an AVM answer to a real estate observation: `value` is the estimated price, the range is
 * kept (and its width relative to the price is the `confidence`), and so is the number of
 * comparables the estimate rests on. The property id is the feed's address.
 */
export function toRealEstateObservation(
  feed: AdapterFeed,
  params: RentCastAvmParams,
  response: RentCastAvmValueResponse,
  observedAt: string,
  receivedAt: Date,
  url: string,
): RealEstateObservation {
  if (response.priceRangeLow > response.priceRangeHigh) {
    throw new AppError('SOURCE_FAILED', `RentCast priceRangeLow ${response.priceRangeLow} exceeds priceRangeHigh ${response.priceRangeHigh}`);
  }
  const observation: RealEstateObservation = {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'real_estate',
    observedAt,
    receivedAt: receivedAt.toISOString(),
    value: response.price,
    unit: 'USD',
    source: { adapter: 'rentcast-avm', url, authentication: 'api_key' },
    confidence: rangeOverPrice(response.priceRangeLow, response.priceRangeHigh, response.price),
    data: {
      propertyId: params.address,
      valuationUsd: response.price,
      rangeLowUsd: response.priceRangeLow,
      rangeHighUsd: response.priceRangeHigh,
      comparablesCount: response.comparables.length,
    },
  };
  return checkedObservation(RealEstateObservation, observation, 'RentCast');
}

export interface FetchRentCastOptions extends FetchOptions {
  credentials: RentCastCredentials;
}

/** Fetches a feed's property valuation once. Failures: AppError SOURCE_FAILED; no retries here. */
export async function fetchRentCastAvm(feed: AdapterFeed, params: RentCastAvmParams, options: FetchRentCastOptions): Promise<RealEstateObservation> {
  const url = rentCastUrl(params);
  const { body, headers } = await getJsonResponse(url, RentCastAvmValueResponse, {
    timeoutMs: options.timeoutMs,
    sourceName: 'RentCast',
    headers: rentCastHeaders(options.credentials),
  });
  const receivedAt = receivedAtOf(options.now);
  return toRealEstateObservation(feed, params, body, rentCastObservedAt(headers['date'], receivedAt), receivedAt, url);
}
