import { describe, expect, it } from 'vitest';
import { CarbonIntensitySource, CarbonObservation } from '../../schemas/index.ts';
import { carbonIntensityTimeToIso, carbonIntensityUrl, fetchCarbonIntensity, type CarbonIntensityParams } from '../../oracles/index.ts';
import { fixture, serveJson, sourceFailure, statusOf, useSourceServer } from './support/source-server.ts';

const CLOSED = fixture('carbon-intensity', 'intensity-closed.json');
const OPEN = fixture('carbon-intensity', 'intensity-open.json');
const FEED = { id: 'feed-grid-gb', assetId: 'grid-gb' };
const RECEIVED_AT = new Date('2024-03-14T09:41:07.000Z');

const source = useSourceServer(() => serveJson(200, CLOSED));
const params = (): CarbonIntensityParams => ({ metric: 'intensity', baseUrl: source.url });
const fetchOnce = () => fetchCarbonIntensity(FEED, params(), { timeoutMs: 2_000, now: RECEIVED_AT });

describe('Carbon Intensity (GB) adapter', () => {
  it('maps a closed window to a valid carbon observation valued at the actual intensity', async () => {
    const o = await fetchOnce();
    expect(CarbonObservation.safeParse(o).success).toBe(true);
    expect(o).toMatchObject({
      category: 'carbon',
      value: 263,
      unit: 'gCO2/kWh',
      source: { adapter: 'carbon-intensity-uk', authentication: 'registered_endpoint' },
      data: { kind: 'intensity', region: 'GB', intensityGPerKwh: 263, forecastGPerKwh: 266, index: 'moderate', intensityBasis: 'actual' },
    });
  });

  it('dates the observation by the window start written without seconds', async () => {
    const o = await fetchOnce();
    expect(o.observedAt).toBe('2018-01-20T12:00:00.000Z');
    expect(o.data.windowEnd).toBe('2018-01-20T12:30:00.000Z');
  });

  it('values an open window (actual still null) at its forecast, and says so', async () => {
    source.handler = serveJson(200, OPEN);
    const o = await fetchOnce();
    expect(o.value).toBe(148);
    expect(o.data).toMatchObject({ intensityGPerKwh: 148, forecastGPerKwh: 148, intensityBasis: 'forecast' });
    expect(o.observedAt).toBe('2024-03-14T09:30:00.000Z');
  });

  it('asks GET /intensity', async () => {
    await fetchOnce();
    expect(source.requests[0]!.url.pathname).toBe('/intensity');
  });

  it('takes the newest window when the answer holds several', async () => {
    const both = { data: [...(JSON.parse(OPEN) as { data: unknown[] }).data, ...(JSON.parse(CLOSED) as { data: unknown[] }).data] };
    source.handler = serveJson(200, JSON.stringify(both));
    const o = await fetchOnce();
    expect(o.observedAt).toBe('2024-03-14T09:30:00.000Z');
  });

  it.each([401, 403, 429, 500, 503])('fails with SOURCE_FAILED naming HTTP %i', async (status) => {
    source.handler = serveJson(status, '{"error":{"code":"Error","message":"Service unavailable"}}');
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toBe(`Carbon Intensity answered HTTP ${status}: Service unavailable`);
    expect(statusOf(error)).toBe(status);
  });

  it('fails with SOURCE_FAILED naming the field when the forecast is missing', async () => {
    const broken = JSON.parse(CLOSED) as { data: Array<{ intensity: Record<string, unknown> }> };
    delete broken.data[0]!.intensity['forecast'];
    source.handler = serveJson(200, JSON.stringify(broken));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('data.0.intensity.forecast');
  });

  it('fails with SOURCE_FAILED naming the field when a time is not YYYY-MM-DDTHH:MMZ', async () => {
    source.handler = serveJson(200, CLOSED.replace('"2018-01-20T12:00Z"', '"20/01/2018 12:00"'));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('data.0.from');
  });

  it('fails with SOURCE_FAILED when there is no window', async () => {
    source.handler = serveJson(200, '{"data":[]}');
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('data: expected at least one window');
  });

  it('fails with SOURCE_FAILED when the index is not one of the five bands', async () => {
    source.handler = serveJson(200, CLOSED.replace('"moderate"', '"medium"'));
    const error = await sourceFailure(fetchOnce());
    expect(error.message).toContain('data.0.intensity.index');
  });
});

describe('Carbon Intensity time and request', () => {
  it('reads "Z" times without seconds and refuses calendar-invalid ones', () => {
    expect(carbonIntensityTimeToIso('2024-12-31T23:30Z')).toBe('2024-12-31T23:30:00.000Z');
    expect(() => carbonIntensityTimeToIso('2024-02-30T10:00Z')).toThrow(/not a real time/);
  });

  it('defaults to the public API', () => {
    const p = CarbonIntensitySource.parse({ adapter: 'carbon-intensity-uk', params: {} }).params;
    expect(carbonIntensityUrl(p)).toBe('https://api.carbonintensity.org.uk/intensity');
  });
});
