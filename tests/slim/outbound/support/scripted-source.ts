import type { IncomingMessage, ServerResponse } from 'node:http';
import { openMeteoAnswer } from '../../service/support/open-meteo-source.ts';
import { systemClock } from '../../../../slim/clock.ts';
import { fetchFromSource } from '../../../../slim/sources.ts';
import { SourceDestinations } from '../../../../slim/outbound/destination/index.ts';
import type { Category, FeedSource, Observation } from '../../../../schemas/index.ts';
import { LocalServer } from '../../service/support/http-server.ts';

/** What the source answers to one request: data, an HTTP status with an error body, or a 200 that is not JSON. */
export type Answer = 'ok' | 'garbage' | { status: number };

/**
 * A real HTTP source on 127.0.0.1 in Open-Meteo's format, answering from a script: queued answers
 * first, then `otherwise`. It records when each request arrived (ms, monotonic).
 */
export class ScriptedSource extends LocalServer {
  readonly queue: Answer[] = [];
  otherwise: Answer = 'ok';
  readonly arrivalsMs: number[] = [];

  /** Forgets the script and the arrivals, so the next test starts from a source that answers ok. */
  reset(): void {
    this.queue.length = 0;
    this.arrivalsMs.length = 0;
    this.otherwise = 'ok';
  }

  constructor() {
    super((req, res) => this.answer(req, res));
  }

  get requests(): number {
    return this.arrivalsMs.length;
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.arrivalsMs.push(performance.now());
    const answer = this.queue.shift() ?? this.otherwise;
    if (answer === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('<html>definitely not json');
      return;
    }
    if (answer !== 'ok') {
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: true, reason: `scripted ${answer.status}` }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(openMeteoAnswer(url, new Date(), 12.5)));
  }
}

export interface TestFeed {
  id: string;
  assetId: string;
  category: Category;
  source: FeedSource;
}

export const weatherFeedOf = (baseUrl: string): TestFeed => ({
  id: 'feed_outbound_1',
  assetId: 'weather-berlin',
  category: 'weather',
  source: { adapter: 'open-meteo', params: { latitude: 52.52, longitude: 13.405, timezone: 'UTC', metric: 'temperature_2m', baseUrl } },
});

/** The worker's raw fetch, exactly as slim/worker.ts builds it, allowed to reach `origin` though it is on loopback. */
export const rawFetchFor = (origin: string) => {
  const destinations = new SourceDestinations({ originsAllowed: [origin] });
  return (feed: TestFeed, attempt: { timeoutMs: number }): Promise<Observation> =>
    fetchFromSource(feed, { timeoutMs: attempt.timeoutMs, clock: systemClock, destinations });
};

/** Most requests that arrived in any span shorter than `spanMs` (a sliding window over the arrival log). */
export function mostInAnySpan(arrivalsMs: readonly number[], spanMs: number): number {
  const sorted = [...arrivalsMs].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= spanMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

/** Requests per consecutive fixed window of `windowMs`, counted from the first arrival. */
export function perFixedWindow(arrivalsMs: readonly number[], windowMs: number): number[] {
  if (arrivalsMs.length === 0) return [];
  const first = Math.min(...arrivalsMs);
  const counts: number[] = [];
  for (const t of arrivalsMs) {
    const i = Math.floor((t - first) / windowMs);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}
