import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Feed, FeedCreated } from '../../../schemas/index.ts';
import { OpenMeteoSource } from '../service/support/open-meteo-source.ts';
import { PROVIDER_A, SlimNode, weatherFeed } from '../service/support/slim-node.ts';

/**
 * The whole worker, fetching on its schedule from a local Open-Meteo that fails and then
 * recovers: what a provider sees in the feed's status, and what an operator sees in health.
 */
describe('a feed whose source keeps failing', () => {
  const source = new OpenMeteoSource();
  let slim: SlimNode;
  beforeAll(async () => {
    await source.start();
    slim = await SlimNode.start({
      SOURCE_ORIGINS_ALLOWED: source.url,
      // One attempt per fetch, a breaker that opens after two failed fetches and tries again after 1.5 s.
      SOURCE_RETRY_ATTEMPTS_MAX: '1',
      SOURCE_BREAKER_VOLUME_MIN: '2',
      SOURCE_BREAKER_RESET_MS: '1500',
    });
  });
  afterAll(async () => {
    await slim?.close();
    await source.stop();
  });

  const getFeed = async (id: string) => Feed.parse((await slim.call('GET', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A })).body);

  it('shows the open breaker and its reason in the feed status, degrades the worker health, then recovers by itself', async () => {
    source.failing = true;
    const created = await slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: weatherFeed(source.url, { schedule: { intervalMs: 1_000 } }) });
    expect(created.status).toBe(201);
    const { id } = FeedCreated.parse(created.body);

    const failing = await vi.waitFor(
      async () => {
        const feed = await getFeed(id);
        expect(feed.stats.lastError).toMatch(/circuit breaker open for open-meteo .*last: Open-Meteo answered HTTP 500/);
        return feed;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(failing.upstream).toMatchObject({ key: `open-meteo ${source.url}`, breaker: expect.stringMatching(/open/), lastFailure: expect.stringMatching(/HTTP 500/) });
    const health = (await slim.call('GET', '/api/v11/health')).body as { status: string; details: { outbound: Record<string, unknown> } };
    expect(health.status).toBe('degraded');
    expect(health.details.outbound).toMatchObject({ limiter: 'memory', breakerOpens: 1 });
    expect(health.details.outbound.breakerRejected).toEqual(expect.any(Number));

    source.failing = false;
    const recovered = await vi.waitFor(
      async () => {
        const feed = await getFeed(id);
        expect(feed.lastObservation).not.toBeNull();
        return feed;
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(recovered.upstream?.breaker).toBe('closed');
    // No validator stands behind this worker, so its health stays degraded for the channel; the breaker part clears.
    const after = (await slim.call('GET', '/api/v11/health')).body as { details: { outbound: Record<string, unknown> } };
    expect(after.details.outbound.breakersNotClosed).toBe(0);
  });
});

describe.skipIf(process.env.TEST_REDIS_URL === undefined)('a worker started with REDIS_URL', () => {
  it('limits its sources through Redis and says so in health', async () => {
    const slim = await SlimNode.start({ REDIS_URL: process.env.TEST_REDIS_URL ?? '' });
    try {
      const health = (await slim.call('GET', '/api/v11/health')).body as { details: { outbound: Record<string, unknown> } };
      expect(health.details.outbound).toMatchObject({ limiter: 'redis', limited: 0, retried: 0, breakerOpens: 0 });
    } finally {
      await slim.close();
    }
  });
});
