import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../runtime/config.ts';
import { systemClock } from '../../../slim/clock.ts';
import { SourceDestinations } from '../../../slim/outbound/destination/index.ts';
import { createOutboundGuard, type OutboundGuard } from '../../../slim/outbound/index.ts';
import { fetchFromSource } from '../../../slim/sources.ts';
import { LocalServer } from '../service/support/http-server.ts';
import { weatherFeedOf, type TestFeed } from '../outbound/support/scripted-source.ts';
import { CLUSTER_SECRET } from '../service/support/slim-node.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after two full collections: what is retained, not what is merely allocated. */
const retainedBytes = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** A source that always fails, each time with a different, long explanation (error strings that could pile up). */
class FailingSource extends LocalServer {
  requests = 0;
  constructor() {
    super((_req, res) => {
      this.requests += 1;
      const reason = `overloaded (request ${this.requests}) ${'x'.repeat(500)}`;
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: true, reason }));
    });
  }
}

/**
 * Hundreds of failing fetches through the worker's outbound path (limiter, retries, breaker, SSRF
 * guard, adapter): whatever it keeps per failure (breaker windows, limiter logs, error strings,
 * counters) must stay bounded, so the heap retained after them must not grow with their number.
 */
describe('a worker fetching from a source that keeps failing', { timeout: 60_000 }, () => {
  const source = new FailingSource();
  let destinations: SourceDestinations;
  let guard: OutboundGuard;
  let fetchGuarded: (feed: TestFeed) => Promise<unknown>;
  beforeAll(async () => {
    await source.start();
    destinations = new SourceDestinations({ originsAllowed: [source.url] });
    const config = loadConfig(
      {
        CLUSTER_SECRET,
        DATA_DIR: 'memory://',
        // Fetch as fast as the source answers: two attempts each, a breaker that never opens, no rate limit in the way.
        SOURCE_RETRY_ATTEMPTS_MAX: '2',
        SOURCE_RETRY_BASE_MS: '1',
        SOURCE_BREAKER_VOLUME_MIN: '1000000',
        SOURCE_RATE_LIMITS: '{"weather":100000}',
      },
      'slim',
    );
    guard = createOutboundGuard(config);
    fetchGuarded = guard.guard((feed: TestFeed, attempt) => fetchFromSource(feed, { timeoutMs: attempt.timeoutMs, clock: systemClock, destinations }));
  });
  afterAll(async () => {
    await guard.close();
    await destinations.close();
    await source.stop();
  });

  const failMany = async (n: number): Promise<void> => {
    const feed = weatherFeedOf(source.url);
    for (let i = 0; i < n; i += 1) await fetchGuarded(feed).catch(() => undefined);
  };

  it('retains about the same heap after 2,100 failed fetches as after the first 300', async () => {
    // Warm-up: connections, compiled code and the breaker's window exist before the measurement starts.
    await failMany(300);
    const before = retainedBytes();
    await failMany(1_800);
    const after = retainedBytes();
    const grownBytes = after - before;
    console.info(`heap retained: ${(before / 1_048_576).toFixed(1)} MiB after 300 failed fetches, ${(after / 1_048_576).toFixed(1)} MiB after 2100`);
    // 3,600 more failed attempts: keeping each one's error (message, stack, cause) would cost several MiB.
    // What does grow (compiled code, pools) stays under a MiB whatever the count.
    expect(grownBytes).toBeLessThan(1.5 * 1_048_576);
    expect(source.requests).toBe(4_200);
  });

  it('keeps only a bounded excerpt of the last failure', () => {
    const upstream = guard.upstreamOf(weatherFeedOf(source.url));
    expect(upstream?.breaker).toBe('closed');
    expect(upstream?.lastFailure?.length).toBeLessThanOrEqual(300);
    expect(upstream?.lastFailure).toMatch(/^Open-Meteo answered HTTP 503: overloaded \(request 4200\)/);
    expect(upstream?.retried).toBe(2_100);
  });
});
