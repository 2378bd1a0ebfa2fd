import { describe, expect, it } from 'vitest';
import { AlpacaStockSource, MarketObservation } from '../../schemas/index.ts';
import { fetchAlpacaStock, rfc3339ToIso, spreadOverMid, type AlpacaStockParams } from '../../oracles/index.ts';
import { fixture, serveJson, sourceFailure, statusOf, useSourceServer, type Handler } from './support/source-server.ts';

const TRADE = fixture('alpaca', 'trade-latest-aapl.json');
const QUOTE = fixture('alpaca', 'quote-latest-aapl.json');
const BAR = fixture('alpaca', 'bar-latest-aapl.json');
const FEED = { id: 'feed-market-1', assetId: 'aapl' };
const RECEIVED_AT = new Date('2024-01-03T14:30:01.400Z');
const CREDENTIALS = { keyId: 'PKTEST0123456789', secretKey: 'secret-test-0123456789abcdef' };

/** Answers like Alpaca: the trade or the quote by path, 404 otherwise. */
const alpaca =
  (trade: string = TRADE, quote: string = QUOTE, bar: string = BAR): Handler =>
  (req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path.endsWith('/trades/latest')) return serveJson(200, trade)(req, res);
    if (path.endsWith('/bars/latest')) return serveJson(200, bar)(req, res);
    if (path.endsWith('/quotes/latest')) return serveJson(200, quote)(req, res);
    serveJson(404, '{"message":"endpoint not found"}')(req, res);
  };

const source = useSourceServer(() => alpaca());

const params = (over: Partial<AlpacaStockParams> = {}): AlpacaStockParams => ({
  symbol: 'AAPL',
  feed: 'iex',
  metric: 'trade_price',
  baseUrl: source.url,
  ...over,
});

const fetchOnce = (p: AlpacaStockParams = params(), timeoutMs = 2_000) =>
  fetchAlpacaStock(FEED, p, { timeoutMs, now: RECEIVED_AT, credentials: CREDENTIALS });

describe('Alpaca stocks adapter', () => {
  it('maps the latest trade and quote of AAPL to a valid market observation', async () => {
    const o = await fetchOnce();
    expect(MarketObservation.safeParse(o).success).toBe(true);
    expect(o).toMatchObject({
      feedId: 'feed-market-1',
      assetId: 'aapl',
      category: 'market',
      value: 184.25,
      unit: 'USD',
      receivedAt: '2024-01-03T14:30:01.400Z',
      source: { adapter: 'alpaca-stocks', authentication: 'api_key' },
      data: { symbol: 'AAPL', price: 184.25, bid: 184.23, ask: 184.27, volume: 100, exchange: 'V' },
    });
  });

  it('dates the observation by the trade, to the millisecond, with the date intact', async () => {
    const o = await fetchOnce();
    expect(o.observedAt).toBe('2024-01-03T14:30:01.123Z');
    expect(o.data.quotedAt).toBe('2024-01-03T14:30:01.098Z');
  });

  it('keeps the bid/ask spread relative to the mid as the confidence', async () => {
    const o = await fetchOnce();
    expect(o.confidence).toBeCloseTo(0.04 / 184.25, 12);
  });

  it('leaves bid, ask and confidence out when one side of the quote is empty', async () => {
    const quote = JSON.parse(QUOTE) as { quote: Record<string, unknown> };
    quote.quote['ap'] = 0;
    source.handler = alpaca(TRADE, JSON.stringify(quote));
    const o = await fetchOnce();
    expect(o.data.ask).toBeUndefined();
    expect(o.data.bid).toBe(184.23);
    expect(o.confidence).toBeUndefined();
  });

  it('sends the key pair in the APCA headers to both endpoints, for the feed symbol and data feed', async () => {
    await fetchOnce(params({ feed: 'sip' }));
    const paths = source.requests.map((r) => r.url.pathname).sort();
    expect(paths).toEqual(['/v2/stocks/AAPL/quotes/latest', '/v2/stocks/AAPL/trades/latest']);
    for (const r of source.requests) {
      expect(r.headers['apca-api-key-id']).toBe(CREDENTIALS.keyId);
      expect(r.headers['apca-api-secret-key']).toBe(CREDENTIALS.secretKey);
      expect(r.url.searchParams.get('feed')).toBe('sip');
    }
  });

  it('does not put the secret in the observation', async () => {
    const o = await fetchOnce();
    expect(JSON.stringify(o)).not.toContain(CREDENTIALS.secretKey);
    expect(JSON.stringify(o)).not.toContain(CREDENTIALS.keyId);
  });

  it.each([
    [401, '{"code":40110000,"message":"request is not authorized"}'],
    [403, '{"code":40310000,"message":"subscription does not permit querying recent SIP data"}'],
    [429, '{"code":42910000,"message":"rate limit exceeded"}'],
    [500, '{"message":"internal server error"}'],
    [503, ''],
  ])('fails with SOURCE_FAILED naming HTTP %i', async (status, body) => {
    source.handler = serveJson(status, body);
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain(`Alpaca answered HTTP ${status}`);
    expect(statusOf(error)).toBe(status);
  });

  it('quotes the message Alpaca gives for a refusal', async () => {
    source.handler = serveJson(403, '{"code":40310000,"message":"subscription does not permit querying recent SIP data"}');
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toBe('Alpaca answered HTTP 403: subscription does not permit querying recent SIP data');
  });

  it('passes on the Retry-After of a 429', async () => {
    source.handler = serveJson(429, '{"message":"rate limit exceeded"}', { 'retry-after': '3' });
    const error = await sourceFailure(fetchOnce());
    expect(error.retryAfterS).toBe(3);
  });

  it('fails with SOURCE_FAILED naming the field when the trade has no price', async () => {
    const trade = JSON.parse(TRADE) as { trade: Record<string, unknown> };
    delete trade.trade['p'];
    source.handler = alpaca(JSON.stringify(trade));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('trade.p');
  });

  it('fails with SOURCE_FAILED naming the field when the quote timestamp is not RFC 3339', async () => {
    const quote = JSON.parse(QUOTE) as { quote: Record<string, unknown> };
    quote.quote['t'] = '03/01/2024 14:30:01';
    source.handler = alpaca(TRADE, JSON.stringify(quote));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('quote.t');
  });

  it('fails with SOURCE_FAILED when the answer is for another symbol', async () => {
    source.handler = alpaca(TRADE.replace('"AAPL"', '"MSFT"'));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('MSFT');
  });

  it('fails with SOURCE_FAILED when the source does not answer in time', async () => {
    source.handler = () => {
      // Never answer: the deadline must end the wait.
    };
    const error = await sourceFailure(fetchOnce(params(), 200));
    expect(error.message).toContain('timed out after 200 ms');
  });
});

describe('Alpaca stocks adapter, bar metrics', () => {
  it('attests the close of the latest one-minute bar, dated by its start', async () => {
    const o = await fetchOnce(params({ metric: 'bar_close' }));
    expect(MarketObservation.safeParse(o).success).toBe(true);
    expect(o.value).toBe(184.26);
    expect(o.observedAt).toBe('2024-01-03T14:30:00.000Z');
    expect(o.data.bar).toEqual({ open: 184.22, high: 184.31, low: 184.18, close: 184.26, volume: 48211, vwap: 184.2473, tradeCount: 612, durationMs: 60_000 });
  });

  it('attests the volume-weighted average price when the feed asks for it', async () => {
    const o = await fetchOnce(params({ metric: 'bar_vwap' }));
    expect(o.value).toBe(184.2473);
    expect(o.data.price).toBe(184.2473);
  });

  it('keeps the quote spread as the confidence of a bar observation', async () => {
    const o = await fetchOnce(params({ metric: 'bar_close' }));
    expect(o.data).toMatchObject({ bid: 184.23, ask: 184.27 });
    expect(o.confidence).toBeCloseTo(0.04 / 184.25, 12);
  });

  it('asks the bars and quotes endpoints, not the trades one', async () => {
    await fetchOnce(params({ metric: 'bar_close' }));
    expect(source.requests.map((r) => r.url.pathname).sort()).toEqual(['/v2/stocks/AAPL/bars/latest', '/v2/stocks/AAPL/quotes/latest']);
  });

  it('fails with SOURCE_FAILED when a VWAP feed gets a bar without vw', async () => {
    const bar = JSON.parse(BAR) as { bar: Record<string, unknown> };
    delete bar.bar['vw'];
    source.handler = alpaca(TRADE, QUOTE, JSON.stringify(bar));
    const error = await sourceFailure(fetchOnce(params({ metric: 'bar_vwap' })));
    expect(error.message).toContain('no vw');
  });

  it('fails with SOURCE_FAILED naming the field when the bar has no close', async () => {
    const bar = JSON.parse(BAR) as { bar: Record<string, unknown> };
    delete bar.bar['c'];
    source.handler = alpaca(TRADE, QUOTE, JSON.stringify(bar));
    const error = await sourceFailure(fetchOnce(params({ metric: 'bar_close' })));
    expect(error.message).toContain('bar.c');
  });
});

describe('Alpaca timestamps and params', () => {
  it('keeps milliseconds of a nanosecond timestamp and truncates the rest', () => {
    expect(rfc3339ToIso('2024-01-03T14:30:01.123999999Z')).toBe('2024-01-03T14:30:01.123Z');
  });

  it('reads a timestamp without fraction, with one digit, and with an offset', () => {
    expect(rfc3339ToIso('2024-01-03T14:30:01Z')).toBe('2024-01-03T14:30:01.000Z');
    expect(rfc3339ToIso('2024-01-03T14:30:01.5Z')).toBe('2024-01-03T14:30:01.500Z');
    expect(rfc3339ToIso('2024-01-03T09:30:01.123456789-05:00')).toBe('2024-01-03T14:30:01.123Z');
  });

  it('keeps the date of a timestamp just before midnight', () => {
    expect(rfc3339ToIso('2023-12-31T23:59:59.999999999Z')).toBe('2023-12-31T23:59:59.999Z');
  });

  it('refuses a timestamp that is not on the calendar', () => {
    expect(() => rfc3339ToIso('2024-02-30T10:00:00Z')).toThrow(/not a real time/);
  });

  it('measures the spread relative to the mid, and none for a crossed quote', () => {
    expect(spreadOverMid(99, 101)).toBeCloseTo(0.02, 12);
    expect(spreadOverMid(101, 99)).toBeUndefined();
  });

  it('accepts stock symbols with a share class and refuses lower case or long ones', () => {
    const parse = (symbol: string) => AlpacaStockSource.safeParse({ adapter: 'alpaca-stocks', params: { symbol } }).success;
    expect(parse('AAPL')).toBe(true);
    expect(parse('BRK.B')).toBe(true);
    expect(parse('aapl')).toBe(false);
    expect(parse('TOOLONGSYM')).toBe(false);
    expect(parse('')).toBe(false);
  });

  it('defaults to the IEX feed of the public data API', () => {
    const parsed = AlpacaStockSource.parse({ adapter: 'alpaca-stocks', params: { symbol: 'AAPL' } });
    expect(parsed.params).toEqual({ symbol: 'AAPL', feed: 'iex', metric: 'trade_price', baseUrl: 'https://data.alpaca.markets' });
  });
});
