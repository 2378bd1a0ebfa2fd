import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WeatherObservation } from '../../schemas/index.ts';
import { sourceFailure } from './support/source-server.ts';
import {
  fetchOpenMeteo,
  openMeteoTimeToUtc,
  openMeteoUrl,
  type OpenMeteoParams,
} from '../../oracles/index.ts';

const FIXTURE = readFileSync(new URL('../fixtures/open-meteo/current-berlin.json', import.meta.url), 'utf8');
const FEED = { id: 'feed-weather-1', assetId: 'berlin-weather' };
const RECEIVED_AT = new Date('2025-01-15T13:52:10.000Z');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on loopback whose answer each test chooses; it records what it was asked. */
let server: Server;
let baseUrl: string;
let handler: Handler;
let requested: URL[] = [];

const serveJson = (status: number, body: string): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body);
};

beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requested = [];
  handler = serveJson(200, FIXTURE);
});

const params = (over: Partial<OpenMeteoParams> = {}): OpenMeteoParams => ({
  latitude: 52.52,
  longitude: 13.41,
  timezone: 'Europe/Berlin',
  metric: 'temperature_2m',
  baseUrl,
  ...over,
});

describe('Open-Meteo adapter', () => {
  it('maps the current conditions of Berlin to a valid weather observation', async () => {
    const o = await fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000, now: RECEIVED_AT });
    expect(WeatherObservation.safeParse(o).success).toBe(true);
    expect(o).toMatchObject({
      feedId: 'feed-weather-1',
      assetId: 'berlin-weather',
      category: 'weather',
      value: 3.4,
      unit: '°C',
      source: { adapter: 'open-meteo', authentication: 'registered_endpoint' },
      data: { latitude: 52.52, longitude: 13.419998, timezone: 'Europe/Berlin', temperatureC: 3.4, relativeHumidityPct: 81, windSpeedKmh: 14.8, precipitationMm: 0, pressureHpa: 1016.2 },
    });
  });

  it('converts the local source time to UTC with the answer utc_offset_seconds', async () => {
    const o = await fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000, now: RECEIVED_AT });
    // 14:45 in Berlin in winter (UTC+1) is 13:45 UTC.
    expect(o.observedAt).toBe('2025-01-15T13:45:00.000Z');
  });

  it('dates the observation by the source, and the receipt by the fetch', async () => {
    const o = await fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000, now: () => RECEIVED_AT });
    expect(o.receivedAt).toBe(RECEIVED_AT.toISOString());
    expect(o.observedAt).not.toBe(o.receivedAt);
  });

  it('attests the feed chosen metric with its unit', async () => {
    const o = await fetchOpenMeteo(FEED, params({ metric: 'surface_pressure' }), { timeoutMs: 2_000 });
    expect(o).toMatchObject({ value: 1016.2, unit: 'hPa' });
  });

  it('asks for the feed latitude, longitude, timezone and all five variables', async () => {
    const o = await fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000 });
    const url = requested[0]!;
    expect(url.pathname).toBe('/v1/forecast');
    expect(url.searchParams.get('latitude')).toBe('52.52');
    expect(url.searchParams.get('longitude')).toBe('13.41');
    expect(url.searchParams.get('timezone')).toBe('Europe/Berlin');
    expect(url.searchParams.get('current')).toBe('temperature_2m,relative_humidity_2m,wind_speed_10m,precipitation,surface_pressure');
    expect(o.source.url).toBe(openMeteoUrl(params()));
  });

  it('fails with SOURCE_FAILED naming the status when the source answers 500', async () => {
    handler = serveJson(500, '{"error":true,"reason":"internal"}');
    const error = await sourceFailure(fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000 }));
    expect(error.message).toContain('HTTP 500');
  });

  it('quotes the reason Open-Meteo gives for a 400', async () => {
    handler = serveJson(400, '{"error":true,"reason":"Invalid timezone"}');
    const error = await sourceFailure(fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000 }));
    expect(error.message).toBe('Open-Meteo answered HTTP 400: Invalid timezone');
  });

  it('fails with SOURCE_FAILED naming the field when the body does not match the schema', async () => {
    const broken = JSON.parse(FIXTURE) as { current: Record<string, unknown> };
    delete broken.current['time'];
    handler = serveJson(200, JSON.stringify(broken));
    const error = await sourceFailure(fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000 }));
    expect(error.message).toContain('current.time');
  });

  it('fails with SOURCE_FAILED when the body is not JSON', async () => {
    handler = serveJson(200, '<html>maintenance</html>');
    const error = await sourceFailure(fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000 }));
    expect(error.message).toContain('not JSON');
  });

  it('fails with SOURCE_FAILED when the attested variable is null', async () => {
    const gap = JSON.parse(FIXTURE) as { current: Record<string, unknown> };
    gap.current['temperature_2m'] = null;
    handler = serveJson(200, JSON.stringify(gap));
    const error = await sourceFailure(fetchOpenMeteo(FEED, params(), { timeoutMs: 2_000 }));
    expect(error.message).toContain('current.temperature_2m');
  });

  it('fails with SOURCE_FAILED when the source does not answer in time', async () => {
    handler = () => {
      // Never answer: the adapter's deadline must end the wait.
    };
    const error = await sourceFailure(fetchOpenMeteo(FEED, params(), { timeoutMs: 200 }));
    expect(error.message).toContain('timed out after 200 ms');
  });

  it('fails with SOURCE_FAILED when nothing listens at the address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await sourceFailure(fetchOpenMeteo(FEED, params({ baseUrl: `http://127.0.0.1:${port}` }), { timeoutMs: 2_000 }));
    expect(error.cause).toBeDefined();
  });
});

describe('Open-Meteo request and time helpers', () => {
  it('builds the documented forecast URL against the public API by default', () => {
    const url = openMeteoUrl({ latitude: 40.71, longitude: -74.01, timezone: 'America/New_York', metric: 'temperature_2m', baseUrl: 'https://api.open-meteo.com/' });
    expect(url).toBe(
      'https://api.open-meteo.com/v1/forecast?latitude=40.71&longitude=-74.01&current=temperature_2m,relative_humidity_2m,wind_speed_10m,precipitation,surface_pressure&timezone=America%2FNew_York',
    );
  });

  it('converts a negative offset across midnight', () => {
    expect(openMeteoTimeToUtc('2025-01-15T21:30', -18_000)).toBe('2025-01-16T02:30:00.000Z');
  });

  it('refuses a local time that is not on the calendar', () => {
    expect(() => openMeteoTimeToUtc('2025-02-30T10:00', 0)).toThrow(/not a real time/);
  });
});
