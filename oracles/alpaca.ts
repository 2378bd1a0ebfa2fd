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

/** `GET /v2/stocks/{symbol}/bars/latest`: the latest one-minute bar, dated by its start. */
export const AlpacaLatestBarResponse = z.object({
  symbol: z.string().min(1),
  bar: z.object({
    /** Start of the bar, RFC 3339. */
    t: timestamp,
    o: z.number().positive(),
    h: z.number().positive(),
    l: z.number().positive(),
    c: z.number().positive(),
    /** Volume (shares). */
    v: z.number().nonnegative(),
    /** Number of trades. */
    n: z.number().int().nonnegative().optional(),
    /** Volume-weighted average price. */
    vw: z.number().positive().optional(),
  }),
});
export type AlpacaLatestBarResponse = z.infer<typeof AlpacaLatestBarResponse>;

/** Latest bars are one-minute bars (Alpaca's documented timeframe for `/bars/latest`). */
export const ALPACA_BAR_MS = 60_000;

const base = (params: AlpacaStockParams) => params.baseUrl.replace(/\/+$/, '');

/** The requests of one fetch: the latest trade or bar (the value) and the latest quote (bid/ask). */
export function alpacaUrls(params: AlpacaStockParams): { trade: string; bar: string; quote: string } {
  const symbol = encodeURIComponent(params.symbol);
  const query = `feed=${params.feed}`;
  return {
    trade: `${base(params)}/v2/stocks/${symbol}/trades/latest?${query}`,
    bar: `${base(params)}/v2/stocks/${symbol}/bars/latest?${query}`,
    quote: `${base(params)}/v2/stocks/${symbol}/quotes/latest?${query}`,
  };
}

/** Whether a feed attests a bar (so its timestamps are minute starts) rather than a trade. */
export const attestsBar = (params: Pick<AlpacaStockParams, 'metric'>): boolean => params.metric !== 'trade_price';

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
  assertSymbol(params, trade.symbol, quote.symbol);
  return marketObservation(feed, quote, receivedAt, url, {
    observedAt: rfc3339ToIso(trade.trade.t),
    value: trade.trade.p,
    data: { symbol: trade.symbol, price: trade.trade.p, volume: trade.trade.s, exchange: trade.trade.x },
  });
}

/**
 * Maps the latest one-minute bar and the latest quote to a market observation: `value` is the
 * bar's close or its volume-weighted average price (by the feed's metric), `observedAt` the bar's start.
 */
export function barToMarketObservation(
  feed: AdapterFeed,
  params: AlpacaStockParams,
  bar: AlpacaLatestBarResponse,
  quote: AlpacaLatestQuoteResponse,
  receivedAt: Date,
  url: string,
): MarketObservation {
  assertSymbol(params, bar.symbol, quote.symbol);
  const b = bar.bar;
  if (params.metric === 'bar_vwap' && b.vw === undefined) {
    throw new AppError('SOURCE_FAILED', `Alpaca's bar for ${params.symbol} has no vw (volume-weighted average price)`);
  }
  const value = params.metric === 'bar_vwap' ? (b.vw as number) : b.c;
  return marketObservation(feed, quote, receivedAt, url, {
    observedAt: rfc3339ToIso(b.t),
    value,
    data: {
      symbol: bar.symbol,
      price: value,
      volume: b.v,
      bar: {
        open: b.o,
        high: b.h,
        low: b.l,
        close: b.c,
        volume: b.v,
        ...(b.vw === undefined ? {} : { vwap: b.vw }),
        ...(b.n === undefined ? {} : { tradeCount: b.n }),
        durationMs: ALPACA_BAR_MS,
      },
    },
  });
}

function assertSymbol(params: AlpacaStockParams, ...answered: string[]): void {
  if (answered.some((s) => s !== params.symbol)) {
    throw new AppError('SOURCE_FAILED', `Alpaca answered for ${answered.join('/')}, not ${params.symbol}`);
  }
}

/** The parts every Alpaca observation shares: bid/ask from the quote, their spread as the confidence. */
function marketObservation(
  feed: AdapterFeed,
  quote: AlpacaLatestQuoteResponse,
  receivedAt: Date,
  url: string,
  attested: { observedAt: string; value: number; data: MarketObservation['data'] },
): MarketObservation {
  const q = quote.quote;
  const bid = q.bp > 0 ? q.bp : undefined;
  const ask = q.ap > 0 ? q.ap : undefined;
  const confidence = spreadOverMid(q.bp, q.ap);
  const observation: MarketObservation = {
    feedId: feed.id,
    assetId: feed.assetId,
    category: 'market',
    observedAt: attested.observedAt,
    receivedAt: receivedAt.toISOString(),
    value: attested.value,
    unit: 'USD',
    source: { adapter: 'alpaca-stocks', url, authentication: 'api_key' },
    ...(confidence === undefined ? {} : { confidence }),
    data: {
      ...attested.data,
      ...(bid === undefined ? {} : { bid }),
      ...(ask === undefined ? {} : { ask }),
      quotedAt: rfc3339ToIso(q.t),
    },
  };
  return checkedObservation(MarketObservation, observation, 'Alpaca');
}

export interface FetchAlpacaOptions extends FetchOptions {
  credentials: AlpacaCredentials;
}

/** Fetches the latest trade (or bar) and quote of a feed's symbol, both at once. Failures: AppError SOURCE_FAILED. */
export async function fetchAlpacaStock(feed: AdapterFeed, params: AlpacaStockParams, options: FetchAlpacaOptions): Promise<MarketObservation> {
  const urls = alpacaUrls(params);
  const http = { timeoutMs: options.timeoutMs, sourceName: 'Alpaca', headers: alpacaHeaders(options.credentials) };
  if (attestsBar(params)) {
    const [bar, quote] = await Promise.all([getJson(urls.bar, AlpacaLatestBarResponse, http), getJson(urls.quote, AlpacaLatestQuoteResponse, http)]);
    return barToMarketObservation(feed, params, bar, quote, receivedAtOf(options.now), urls.bar);
  }
  const [trade, quote] = await Promise.all([
    getJson(urls.trade, AlpacaLatestTradeResponse, http),
    getJson(urls.quote, AlpacaLatestQuoteResponse, http),
  ]);
  return toMarketObservation(feed, params, trade, quote, receivedAtOf(options.now), urls.trade);
}
