import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from './http-server.ts';

/**
 * A tiny stand-in for Open-Meteo's `/v1/forecast?current=...`, in the API's documented format
 * (UTC, whole-minute local time). Tests set what it reports and whether it fails.
 */
export class OpenMeteoSource extends LocalServer {
  /** The instant `current.time` reports (truncated to the minute, as the real API does). */
  observedAt = new Date();
  temperatureC = 12.5;
  /** Answer 500 instead of data. */
  failing = false;
  /** Hold every answer this long (to catch overlapping fetches). */
  delayMs = 0;
  requests = 0;
  inFlight = 0;
  inFlightMax = 0;

  constructor() {
    super((req, res) => void this.answer(req, res));
  }

  /** Moves the reported time on by whole minutes, so the next fetch brings new data. */
  advanceMinutes(minutes: number): void {
    this.observedAt = new Date(this.observedAt.getTime() + minutes * 60_000);
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests += 1;
    this.inFlight += 1;
    this.inFlightMax = Math.max(this.inFlightMax, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/v1/forecast') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: true, reason: 'Not Found' }));
        return;
      }
      if (this.failing) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: true, reason: 'internal error' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(this.body(url)));
    } finally {
      this.inFlight -= 1;
    }
  }

  private body(url: URL) {
    return openMeteoAnswer(url, this.observedAt, this.temperatureC);
  }
}

/** An Open-Meteo `current` answer in the documented format for the requested place, in UTC. */
export function openMeteoAnswer(url: URL, observedAt: Date, temperatureC: number) {
  return {
    latitude: Number(url.searchParams.get('latitude')),
    longitude: Number(url.searchParams.get('longitude')),
    generationtime_ms: 0.02,
    utc_offset_seconds: 0,
    timezone: 'GMT',
    timezone_abbreviation: 'GMT',
    elevation: 38,
    current_units: {
      time: 'iso8601',
      interval: 'seconds',
      temperature_2m: '°C',
      relative_humidity_2m: '%',
      wind_speed_10m: 'km/h',
      precipitation: 'mm',
      surface_pressure: 'hPa',
    },
    current: {
      time: observedAt.toISOString().slice(0, 16),
      interval: 900,
      temperature_2m: temperatureC,
      relative_humidity_2m: 71,
      wind_speed_10m: 11.2,
      precipitation: 0,
      surface_pressure: 1014.3,
    },
  };
}
