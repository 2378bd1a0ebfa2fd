import { z } from 'zod';
import { MarketObservation, type AlpacaStockSource } from '../schemas/index.ts';
import { AppError } from '../runtime/errors.ts';
import { getJson } from './http.ts';
import { checkedObservation, receivedAtOf, type AdapterFeed, type FetchOptions } from './observation.ts';

export type AlpacaStockParams = z.infer<typeof AlpacaStockSource>['params'];

/** The operator's Alpaca key pair, sent as `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY`. */
export interface AlpacaCredentials {
  keyId: string;
  secretKey: string;
}

/**
 * RFC 3339 as Alpaca writes it: UTC with up to nine fractional digits ("2024-01-03T14:30:01.123456789Z"),
 * or an offset. `Date.parse` is not specified for more than three digits, so it is parsed here.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

const timestamp = z.string().regex(RFC3339, 'expected an RFC 3339 timestamp');
const exchangeCode = z.string().max(4);

/** `GET /v2/stocks/{symbol}/trades/latest` (Alpaca Market Data API v2, documented fields). */
export const AlpacaLatestTradeResponse = z.object({
  symbol: z.string().min(1),
  trade: z.object({
    /** Timestamp, RFC 3339 with nanoseconds. */
    t: timestamp,
    /** Exchange code. */
    x: exchangeCode,
    /** Price. */
    p: z.number().positive(),
    /** Size (shares). */
    s: z.number().nonnegative(),
    /** Conditions. */
    c: z.array(z.string()).nullable().optional(),
    /** Trade id. */
    i: z.number().int(),
    /** Tape (A, B, C). */
    z: z.string().max(2),
  }),
});
export type AlpacaLatestTradeResponse = z.infer<typeof AlpacaLatestTradeResponse>;

/** `GET /v2/stocks/{symbol}/quotes/latest`. A side without a quote is 0 (Alpaca's convention). */
export const AlpacaLatestQuoteResponse = z.object({
  symbol: z.string().min(1),
  quote: z.object({
    t: timestamp,
    /** Ask exchange, price, size. */
    ax: exchangeCode,
    ap: z.number().nonnegative(),
    as: z.number().nonnegative(),
    /** Bid exchange, price, size. */
    bx: exchangeCode,
    bp: z.number().nonnegative(),
    bs: z.number().nonnegative(),
    c: z.array(z.string()).nullable().optional(),
    z: z.string().max(2),
  }),
});
export type AlpacaLatestQuoteResponse = z.infer<typeof AlpacaLatestQuoteResponse>;

const base = (params: AlpacaStockParams) => params.baseUrl.replace(/\/+$/, '');

/** The two requests of one fetch: the latest trade (the value) and the latest quote (bid/ask). */
export function alpacaUrls(params: AlpacaStockParams): { trade: string; quote: string } {
  const symbol = encodeURIComponent(params.symbol);
  const query = `feed=${params.feed}`;
  return {
    trade: `${base(params)}/v2/stocks/${symbol}/trades/latest?${query}`,
    quote: `${base(params)}/v2/stocks/${symbol}/quotes/latest?${query}`,
  };
}

export const alpacaHeaders = (credentials: AlpacaCredentials): Record<string, string> => ({
  'APCA-API-KEY-ID': credentials.keyId,
  'APCA-API-SECRET-KEY': credentials.secretKey,
});

/**
 * An RFC 3339 timestamp as an ISO string in UTC with millisecond precision. Digits past the
 * millisecond are truncated (never rounded up, so a time never moves later than the source said).
 */
export function rfc3339ToIso(text: string): string {
  const m = RFC3339.exec(text);
  if (m === null) throw new AppError('SOURCE_FAILED', `timestamp "${text}" is not RFC 3339`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = m[8] as string;
  const offsetMin = zone.toUpperCase() === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  // A leap second (:60) is held at :59.999 rather than rolled into the next minute (or month).
  const localMs = s === 60 ? Date.UTC(y, mo - 1, d, h, mi, 59, 999) : Date.UTC(y, mo - 1, d, h, mi, s, ms);
  // Date.UTC rolls 2024-02-30 into March: a calendar-invalid time is a broken answer.
  const local = new Date(localMs);
  if (local.getUTCMonth() !== mo - 1 || local.getUTCDate() !== d || h > 23 || mi > 59 || s > 60) {
    throw new AppError('SOURCE_FAILED', `timestamp "${text}" is not a real time`);
  }
  return new Date(localMs - offsetMin * 60_000).toISOString();
}

/**
 * The spread over the mid, clamped to [0,1]; undefined when a side is missing (0) or the quote
 * is crossed, since then there is no interval to speak of.
 */
export function spreadOverMid(bid: number, ask: number): number | undefined {
  if (bid <= 0 || ask <= 0 || bid > ask) return undefined;
  return Math.min(1, (ask - bid) / ((ask + bid) / 2));
}

/**
 * Maps a latest trade and a latest quote to a market observation: `value` is the trade price and
 * `observedAt` its time; bid/ask come from the quote (dated by `quotedAt`), and their spread
 * relative to the mid is the observation's `confidence`.
 */
export function toMarketObservation(
  feed: AdapterFeed,
  params: AlpacaStockParams,
  trade: AlpacaLatestTradeResponse,
  quote: AlpacaLatestQuoteResponse,
  receivedAt: Date,
  url: string,
): MarketObservation {
  if (trade.symbol !== params.symbol || quote.symbol !== params.symbol) {
    throw new AppError('SOURCE_FAILED', `Alpaca answered for ${trade.symbol}/${quote.symbol}, not ${params.symbol}`);
  }
  const q = quote.quote;
  const bid = q.bp > 0 ? q.bp : undefined;
  const ask = q.ap > 0 ? q.ap : undefined;
  const confidence = spreadOverMid(q.bp, q.ap);
  const observation: MarketObservation = {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'market',
    observedAt: rfc3339ToIso(trade.trade.t),
    receivedAt: receivedAt.toISOString(),
    value: trade.trade.p,
    unit: 'USD',
    source: { adapter: 'alpaca-stocks', url, authentication: 'api_key' },
    ...(confidence === undefined ? {} : { confidence }),
    data: {
      symbol: trade.symbol,
      price: trade.trade.p,
      ...(bid === undefined ? {} : { bid }),
      ...(ask === undefined ? {} : { ask }),
      volume: trade.trade.s,
      exchange: trade.trade.x,
      quotedAt: rfc3339ToIso(q.t),
    },
  };
  return checkedObservation(MarketObservation, observation, 'Alpaca');
}

export interface FetchAlpacaOptions extends FetchOptions {
  credentials: AlpacaCredentials;
}

/** Fetches the latest trade and quote of a feed's symbol (both at once). Failures: AppError SOURCE_FAILED. */
export async function fetchAlpacaStock(feed: AdapterFeed, params: AlpacaStockParams, options: FetchAlpacaOptions): Promise<MarketObservation> {
  const urls = alpacaUrls(params);
  const http = { timeoutMs: options.timeoutMs, sourceName: 'Alpaca', headers: alpacaHeaders(options.credentials) };
  const [trade, quote] = await Promise.all([
    getJson(urls.trade, AlpacaLatestTradeResponse, http),
    getJson(urls.quote, AlpacaLatestQuoteResponse, http),
  ]);
  return toMarketObservation(feed, params, trade, quote, receivedAtOf(options.now), urls.trade);
}
