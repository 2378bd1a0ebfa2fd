import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feed, FeedCreated } from '../../../schemas/index.ts';
import { PROVIDER_A, SlimNode, weatherFeed } from '../service/support/slim-node.ts';
import { FaultySource, type Fault } from './support/faulty-source.ts';

const FETCH_TIMEOUT_MS = 500;

/** Each fault, and what the feed's condition must say about it. */
const FAULTS: ReadonlyArray<readonly [Fault, string, RegExp]> = [
  ['hang', 'times out', new RegExp(`Open-Meteo: timed out after ${FETCH_TIMEOUT_MS} ms`)],
  ['status_500', 'answers 500', /Open-Meteo answered HTTP 500: database unavailable/],
  ['status_429', 'answers 429', /Open-Meteo answered HTTP 429: Minutely API request limit exceeded/],
  ['garbage', 'answers a body that is not JSON', /Open-Meteo answered with a body that is not JSON/],
  ['wrong_types', 'answers JSON of the wrong shape', /Open-Meteo response does not match its schema: latitude: .*current: /],
  ['trickle', 'trickles its body a byte at a time', new RegExp(`Open-Meteo: timed out after ${FETCH_TIMEOUT_MS} ms`)],
];

/**
 * A real worker fetching, on its schedule, from real local sources that fail in each way a
 * source does, then recover. Each fault has its own source (its own origin, so its own breaker).
 */
describe('a feed whose source fails', () => {
  const sources = new Map<Fault, FaultySource>(FAULTS.map(([fault]) => [fault, new FaultySource()]));
  let slim: SlimNode;
  beforeAll(async () => {
    for (const s of sources.values()) await s.start();
    slim = await SlimNode.start({
      SOURCE_ORIGINS_ALLOWED: [...sources.values()].map((s) => s.url).join(','),
      FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS),
      // One attempt per fetch, a breaker that opens after two failed fetches and tries again after 1 s.
      SOURCE_RETRY_ATTEMPTS_MAX: '1',
      SOURCE_RETRY_TOTAL_MS_MAX: '2000',
      SOURCE_BREAKER_VOLUME_MIN: '2',
      SOURCE_BREAKER_RESET_MS: '1000',
      // Every scheduled fetch goes to the source: a cached answer would hide the fault for its TTL.
      SOURCE_CACHE_ENABLED: 'false',
    });
  });
  afterAll(async () => {
    await slim?.close();
    for (const s of sources.values()) await s.stop();
  });

  const getFeed = async (id: string) => Feed.parse((await slim.call('GET', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A })).body);

  it.each(FAULTS)('when it %s: degraded with the reason, breaker open, then healthy again by itself', async (fault, _what, reason) => {
    const source = sources.get(fault) as FaultySource;
    const created = await slim.call('POST', '/api/v11/external/feeds', {
      as: PROVIDER_A,
      body: weatherFeed(source.url, { assetId: `weather-${fault.replace('_', '-')}`, schedule: { intervalMs: 1_000 } }),
    });
    expect(created.status).toBe(201);
    const { id } = FeedCreated.parse(created.body);
    await vi.waitFor(
      async () => {
        const feed = await getFeed(id);
        expect(feed.lastObservation).not.toBeNull();
        expect(feed.condition?.state).toBe('healthy');
      },
      { timeout: 10_000, interval: 100 },
    );

    source.fault = fault;
    const failing = await vi.waitFor(
      async () => {
        const feed = await getFeed(id);
        expect(feed.upstream?.breaker).not.toBe('closed');
        expect(feed.condition).toMatchObject({ state: 'degraded', reason: expect.stringMatching(/^source breaker (open|half-open)/) });
        return feed;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(failing.condition?.reason).toMatch(reason);
    expect(failing.upstream?.openedAt).not.toBeNull();
    expect(failing.upstream?.lastFailure).toMatch(reason);
    // The worker is still there and says why it is degraded.
    const health = await slim.call('GET', '/api/v11/health');
    expect((health.body as { role: string }).role).toBe('slim');

    source.fault = 'none';
    const recovered = await vi.waitFor(
      async () => {
        const feed = await getFeed(id);
        expect(feed.upstream?.breaker).toBe('closed');
        expect(feed.condition?.state).toBe('healthy');
        return feed;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(recovered.condition?.reason).toMatch(/^last observation \d+ (ms|s) old, within/);
    await slim.call('PATCH', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A, body: { status: 'paused' } });
  });

  it('cuts a trickling body at the total deadline, not at the per-chunk idle timeout', () => {
    const trickles = (sources.get('trickle') as FaultySource).closed.filter((c) => c.fault === 'trickle');
    expect(trickles.length).toBeGreaterThan(0);
    for (const exchange of trickles) {
      // A byte every 100 ms never trips a 500 ms idle timeout: only the whole-exchange deadline ends it.
      expect(exchange.bytesWritten).toBeGreaterThan(0);
      expect(exchange.openMs).toBeLessThan(FETCH_TIMEOUT_MS + 1_000);
    }
  });
});
