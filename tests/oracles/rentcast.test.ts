import { describe, expect, it } from 'vitest';
import { RealEstateObservation, RentCastAvmSource } from '../../schemas/index.ts';
import { fetchRentCastAvm, rentCastObservedAt, rentCastUrl, type RentCastAvmParams } from '../../oracles/index.ts';
import { fixture, serveJson, sourceFailure, statusOf, useSourceServer } from './support/source-server.ts';

const AVM = fixture('rentcast', 'avm-value-san-antonio.json');
const FEED = { id: 'feed-home-1', assetId: 'home-5500-grand-lake' };
const ADDRESS = '5500 Grand Lake Dr, San Antonio, TX 78244';
const RECEIVED_AT = new Date('2024-09-13T10:00:02.250Z');
const SOURCE_DATE = 'Fri, 13 Sep 2024 10:00:01 GMT';
const CREDENTIALS = { apiKey: 'rentcast-test-key-0123456789' };

const source = useSourceServer(() => serveJson(200, AVM, { date: SOURCE_DATE }));

const params = (over: Partial<RentCastAvmParams> = {}): RentCastAvmParams => ({
  address: ADDRESS,
  metric: 'avm_value',
  baseUrl: source.url,
  ...over,
});

const fetchOnce = (p: RentCastAvmParams = params()) => fetchRentCastAvm(FEED, p, { timeoutMs: 2_000, now: RECEIVED_AT, credentials: CREDENTIALS });

describe('RentCast AVM adapter', () => {
  it('maps the value estimate to a valid real estate observation', async () => {
    const o = await fetchOnce();
    expect(RealEstateObservation.safeParse(o).success).toBe(true);
    expect(o).toMatchObject({
      feedId: 'feed-home-1',
      assetId: 'home-5500-grand-lake',
      category: 'real_estate',
      value: 221000,
      unit: 'USD',
      source: { adapter: 'rentcast-avm', authentication: 'api_key' },
      data: { propertyId: ADDRESS, valuationUsd: 221000, rangeLowUsd: 195000, rangeHighUsd: 247000, comparablesCount: 3 },
    });
  });

  it('keeps the range width relative to the price as the confidence', async () => {
    const o = await fetchOnce();
    expect(o.confidence).toBeCloseTo(52000 / 221000, 12);
  });

  it('dates the valuation by the answer Date header', async () => {
    const o = await fetchOnce();
    expect(o.observedAt).toBe('2024-09-13T10:00:01.000Z');
    expect(o.receivedAt).toBe('2024-09-13T10:00:02.250Z');
  });

  it('dates the valuation by the fetch when the Date header is unusable', () => {
    expect(rentCastObservedAt('yesterday-ish', RECEIVED_AT)).toBe(RECEIVED_AT.toISOString());
    expect(rentCastObservedAt(undefined, RECEIVED_AT)).toBe(RECEIVED_AT.toISOString());
  });

  it('sends the key in X-Api-Key and the address as the query', async () => {
    await fetchOnce(params({ compCount: 10, propertyType: 'Single Family' }));
    const r = source.requests[0]!;
    expect(r.url.pathname).toBe('/v1/avm/value');
    expect(r.url.searchParams.get('address')).toBe(ADDRESS);
    expect(r.url.searchParams.get('compCount')).toBe('10');
    expect(r.url.searchParams.get('propertyType')).toBe('Single Family');
    expect(r.headers['x-api-key']).toBe(CREDENTIALS.apiKey);
  });

  it('keeps the key out of the observation and its URL', async () => {
    const o = await fetchOnce();
    expect(JSON.stringify(o)).not.toContain(CREDENTIALS.apiKey);
  });

  it.each([401, 403, 429, 500, 502])('fails with SOURCE_FAILED naming HTTP %i', async (status) => {
    source.handler = serveJson(status, '{"status":0,"error":"auth/api-key-invalid","message":"No API key was provided"}'.replace('0', String(status)));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain(`RentCast answered HTTP ${status}: No API key was provided`);
    expect(statusOf(error)).toBe(status);
  });

  it('fails with SOURCE_FAILED naming the field when the price is missing', async () => {
    const broken = JSON.parse(AVM) as Record<string, unknown>;
    delete broken['price'];
    source.handler = serveJson(200, JSON.stringify(broken));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('price');
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'price' })]));
  });

  it('fails with SOURCE_FAILED naming the field when comparables is not a list', async () => {
    const broken = JSON.parse(AVM) as Record<string, unknown>;
    broken['comparables'] = 'none';
    source.handler = serveJson(200, JSON.stringify(broken));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('comparables');
  });

  it('fails with SOURCE_FAILED when the range is upside down', async () => {
    const broken = JSON.parse(AVM) as Record<string, unknown>;
    broken['priceRangeLow'] = 300000;
    source.handler = serveJson(200, JSON.stringify(broken));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('priceRangeLow');
  });
});

describe('RentCast request and params', () => {
  it('builds the documented request against the public API by default', () => {
    const p = RentCastAvmSource.parse({ adapter: 'rentcast-avm', params: { address: ADDRESS } }).params;
    expect(rentCastUrl(p)).toBe('https://api.rentcast.io/v1/avm/value?address=5500%20Grand%20Lake%20Dr%2C%20San%20Antonio%2C%20TX%2078244');
  });

  it('refuses an empty address and a comparable count outside 5..25', () => {
    const parse = (params: unknown) => RentCastAvmSource.safeParse({ adapter: 'rentcast-avm', params }).success;
    expect(parse({ address: '   ' })).toBe(false);
    expect(parse({ address: ADDRESS, compCount: 4 })).toBe(false);
    expect(parse({ address: ADDRESS, compCount: 26 })).toBe(false);
  });
});
