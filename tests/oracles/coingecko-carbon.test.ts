import { describe, expect, it } from 'vitest';
import { CarbonObservation, CoinGeckoCarbonSource } from '../../schemas/index.ts';
import { coinGeckoUrl, fetchCoinGeckoCarbon, type CoinGeckoCarbonParams } from '../../oracles/index.ts';
import { fixture, serveJson, sourceFailure, statusOf, useSourceServer } from './support/source-server.ts';

const BCT = fixture('coingecko', 'simple-price-bct.json');
const FEED = { id: 'feed-bct', assetId: 'carbon-bct' };
const RECEIVED_AT = new Date('2024-03-14T09:31:02.000Z');

const source = useSourceServer(() => serveJson(200, BCT));
const params = (over: Partial<CoinGeckoCarbonParams> = {}): CoinGeckoCarbonParams => ({
  coinId: 'toucan-protocol-base-carbon-tonne',
  metric: 'credit_price',
  baseUrl: source.url,
  ...over,
});
const fetchOnce = (p: CoinGeckoCarbonParams = params()) => fetchCoinGeckoCarbon(FEED, p, { timeoutMs: 2_000, now: RECEIVED_AT });

describe('CoinGecko carbon credit price adapter', () => {
  it('maps the BCT price to a valid carbon credit observation dated by last_updated_at', async () => {
    const o = await fetchOnce();
    expect(CarbonObservation.safeParse(o).success).toBe(true);
    expect(o).toMatchObject({
      category: 'carbon',
      value: 0.4812,
      unit: 'USD/tCO2e',
      observedAt: '2024-03-14T09:30:00.000Z',
      source: { adapter: 'coingecko-carbon' },
      data: { kind: 'credit_price', priceUsdPerTonne: 0.4812 },
    });
  });

  it('asks the simple price of the feed coin in USD with its update time', async () => {
    await fetchOnce();
    const url = source.requests[0]!.url;
    expect(url.pathname).toBe('/api/v3/simple/price');
    expect(url.searchParams.get('ids')).toBe('toucan-protocol-base-carbon-tonne');
    expect(url.searchParams.get('vs_currencies')).toBe('usd');
    expect(url.searchParams.get('include_last_updated_at')).toBe('true');
  });

  it('fails with SOURCE_FAILED naming the coin when CoinGecko answers {} (unknown id)', async () => {
    source.handler = serveJson(200, '{}');
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('toucan-protocol-base-carbon-tonne');
  });

  it('fails with SOURCE_FAILED naming the field when the update time is missing', async () => {
    source.handler = serveJson(200, '{"toucan-protocol-base-carbon-tonne":{"usd":0.48}}');
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('toucan-protocol-base-carbon-tonne.last_updated_at');
  });

  it.each([401, 403, 429, 500])('fails with SOURCE_FAILED naming HTTP %i', async (status) => {
    source.handler = serveJson(status, '{"status":{"error_code":429,"error_message":"You\'ve exceeded the Rate Limit."}}');
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain(`CoinGecko answered HTTP ${status}`);
    expect(statusOf(error)).toBe(status);
  });

  it('defaults to the public API and BCT, and refuses a coin id that is not one', () => {
    const p = CoinGeckoCarbonSource.parse({ adapter: 'coingecko-carbon', params: {} }).params;
    expect(coinGeckoUrl(p)).toBe('https://api.coingecko.com/api/v3/simple/price?ids=toucan-protocol-base-carbon-tonne&vs_currencies=usd&include_last_updated_at=true');
    expect(CoinGeckoCarbonSource.safeParse({ adapter: 'coingecko-carbon', params: { coinId: 'BCT&x=1' } }).success).toBe(false);
  });
});
