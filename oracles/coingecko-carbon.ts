import { z } from 'zod';
import { CarbonObservation, type CoinGeckoCarbonSource } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { getJson } from './http.ts';
import { checkedObservation, receivedAtOf, type AdapterFeed, type FetchOptions } from './observation.ts';

/**
 * Carbon credit prices from CoinGecko's public API, for tokenized credits where one token is
 * one tonne CO2e retired into a pool (Toucan's BCT and NCT, Moss's MCO2). Documented request:
 * `GET /api/v3/simple/price?ids=<coin id>&vs_currencies=usd&include_last_updated_at=true`;
 * documented answer: `{ "<coin id>": { "usd": <price>, "last_updated_at": <unix seconds> } }`,
 * and `{}` for an unknown id. This is a token's market price, not a registry's or an exchange's
 * compliance-market (EUA) price.
 */
export type CoinGeckoCarbonParams = z.infer<typeof CoinGeckoCarbonSource>['params'];

/** `last_updated_at` is in whole seconds. */
export const COINGECKO_TIMESTAMP_PRECISION_MS = 1_000;

const Price = z.object({
  usd: z.number().nonnegative(),
  last_updated_at: z.number().int().positive(),
});

/** The answer for one coin id: the schema names the id, so a missing coin is reported by name. */
export const coinGeckoSimplePriceResponse = (coinId: string) => z.object({ [coinId]: Price });
export type CoinGeckoPrice = z.infer<typeof Price>;

export function coinGeckoUrl(params: CoinGeckoCarbonParams): string {
  const base = params.baseUrl.replace(/\/+$/, '');
  return `${base}/api/v3/simple/price?ids=${encodeURIComponent(params.coinId)}&vs_currencies=usd&include_last_updated_at=true`;
}

/** Maps a price to a carbon observation: `value` is USD per token, i.e. per tonne CO2e; `observedAt` is CoinGecko's update time. */
export function toCarbonCreditObservation(feed: AdapterFeed, coinId: string, price: CoinGeckoPrice, receivedAt: Date, url: string): CarbonObservation {
  const observation: CarbonObservation = {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'carbon',
    observedAt: new Date(price.last_updated_at * 1000).toISOString(),
    receivedAt: receivedAt.toISOString(),
    value: price.usd,
    unit: 'USD/tCO2e',
    source: { adapter: 'coingecko-carbon', url, authentication: 'registered_endpoint' },
    // No `region`: a pooled token's credits come from projects in many countries.
    data: { kind: 'credit_price', priceUsdPerTonne: price.usd, instrument: coinId },
  };
  return checkedObservation(CarbonObservation, observation, 'CoinGecko');
}

/** Fetches a carbon token's USD price once. Failures: AppError SOURCE_FAILED; no retries here. */
export async function fetchCoinGeckoCarbon(feed: AdapterFeed, params: CoinGeckoCarbonParams, options: FetchOptions): Promise<CarbonObservation> {
  const url = coinGeckoUrl(params);
  const response = await getJson(url, coinGeckoSimplePriceResponse(params.coinId), { timeoutMs: options.timeoutMs, sourceName: 'CoinGecko' });
  const price = response[params.coinId];
  // The schema requires the key; this only narrows the index type.
  if (price === undefined) throw new AppError('SOURCE_FAILED', `CoinGecko has no price for ${params.coinId}`);
  return toCarbonCreditObservation(feed, params.coinId, price, receivedAtOf(options.now), url);
}
