import { createServer, type Server } from 'node:http';

/**
 * A local stand-in for the Open-Meteo forecast API, so the demo network runs without internet.
 * It speaks the API's documented `current` format: times local to `timezone`, whole minutes,
 * units in `current_units`. Unlike the real API, whose current conditions move every quarter
 * hour, it moves every minute (`interval: 60`) so a demo shows new attestations quickly.
 * Values follow a smooth daily cycle so the quality chain sees a plausible history, not noise.
 */
export interface DemoSource {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const VARIABLES = ['temperature_2m', 'relative_humidity_2m', 'wind_speed_10m', 'precipitation', 'surface_pressure'] as const;
const UNITS: Record<(typeof VARIABLES)[number], string> = {
  temperature_2m: '°C',
  relative_humidity_2m: '%',
  wind_speed_10m: 'km/h',
  precipitation: 'mm',
  surface_pressure: 'hPa',
};

/** Offset of `timeZone` from UTC at `at`, in seconds; unknown zones answer null. */
export function utcOffsetSeconds(timeZone: string, at: Date): number | null {
  let name: string | undefined;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
  } catch {
    return null;
  }
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (m === null) return 0; // "GMT" alone: UTC itself
  const sign = m[1] === '-' ? -1 : 1;
  return sign * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

/** `YYYY-MM-DDTHH:MM` of the instant in a zone with the given offset. */
const localMinute = (at: Date, offsetS: number) => new Date(at.getTime() + offsetS * 1000).toISOString().slice(0, 16);

export function currentWeather(latitude: number, longitude: number, timeZone: string, now: Date) {
  const offsetS = utcOffsetSeconds(timeZone, now) ?? 0;
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  const dayPhase = ((minute / 3_600_000 + longitude / 15) % 24) / 24;
  const seasonal = 15 - Math.abs(latitude) / 4;
  const temperature = seasonal + 6 * Math.sin(2 * Math.PI * (dayPhase - 0.25));
  return {
    latitude: Math.round(latitude * 1e4) / 1e4,
    longitude: Math.round(longitude * 1e4) / 1e4,
    generationtime_ms: 0.03,
    utc_offset_seconds: offsetS,
    timezone: timeZone,
    timezone_abbreviation: offsetS === 0 ? 'GMT' : `GMT${offsetS > 0 ? '+' : '-'}${Math.abs(offsetS / 3600)}`,
    elevation: 38,
    current_units: { time: 'iso8601', interval: 'seconds', ...UNITS },
    current: {
      time: localMinute(new Date(minute), offsetS),
      interval: 60,
      temperature_2m: Math.round(temperature * 10) / 10,
      relative_humidity_2m: Math.round(70 - 15 * Math.sin(2 * Math.PI * dayPhase)),
      wind_speed_10m: Math.round((12 + 4 * Math.cos(2 * Math.PI * dayPhase)) * 10) / 10,
      precipitation: 0,
      surface_pressure: Math.round((1013 + 3 * Math.sin(2 * Math.PI * dayPhase)) * 10) / 10,
    },
  };
}

function errorBody(reason: string) {
  return JSON.stringify({ error: true, reason });
}

export function startDemoSource(host = '127.0.0.1', port = 0): Promise<DemoSource> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' || url.pathname !== '/v1/forecast') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody('Not Found'));
      return;
    }
    const latitude = Number(url.searchParams.get('latitude'));
    const longitude = Number(url.searchParams.get('longitude'));
    const timeZone = url.searchParams.get('timezone') ?? 'GMT';
    // The real API answers 400 with {error, reason} for bad parameters.
    if (!Number.isFinite(latitude) || latitude < -90 || latitude > 90 || !Number.isFinite(longitude) || longitude < -180 || longitude > 180) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(errorBody('Latitude must be in range of -90 to 90°. Longitude must be in range of -180 to 180°.'));
      return;
    }
    if (utcOffsetSeconds(timeZone, new Date()) === null) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(errorBody(`Invalid timezone ${timeZone}`));
      return;
    }
    const body = currentWeather(latitude, longitude, timeZone, new Date());
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      resolve({
        url: `http://${host}:${actual}`,
        port: actual,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
