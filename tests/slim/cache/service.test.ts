import { describe, expect, it } from 'vitest';
import { Feed, FeedCreated, NodeHealth, Observation } from '../../../schemas/index.ts';
import type { SourceCacheCounters } from '../../../slim/cache/index.ts';
import { eventually } from '../../support/network.ts';
import { PROVIDER_A, weatherFeed } from '../service/support/slim-node.ts';
import { useSlimRig } from '../service/support/slim-rig.ts';

describe('slim worker: source answer cache', () => {
  const rig = useSlimRig();
  const { source } = rig;

  const register = async (assetId: string) => {
    const res = await rig.slim.call('POST', '/api/v11/external/feeds', { as: PROVIDER_A, body: weatherFeed(source.url, { assetId }) });
    expect(res.status).toBe(201);
    return FeedCreated.parse(res.body);
  };
  /** Registration fetches at once; this waits for that first observation. */
  const firstObservation = (id: string) =>
    eventually(async () => {
      const feed = Feed.parse((await rig.slim.call('GET', `/api/v11/external/feeds/${id}`, { as: PROVIDER_A })).body);
      return feed.lastObservation ?? undefined;
    });
  const cacheHealth = async () => {
    const health = NodeHealth.parse((await rig.slim.call('GET', '/api/v11/health')).body);
    return health.details?.['cache'] as SourceCacheCounters;
  };

  it('asks the source once for two feeds of the same source and a dry run within the TTL, and reports the hits in its health', async () => {
    const requestsBefore = source.requests;
    const a = await register('weather-cache-a');
    const observedA = await firstObservation(a.id);
    const b = await register('weather-cache-b');
    const observedB = await firstObservation(b.id);
    const dry = await rig.slim.call('POST', `/api/v11/external/feeds/${a.id}/test`, { as: PROVIDER_A });
    expect(dry.status).toBe(200);

    expect(source.requests - requestsBefore).toBe(1);
    // Each feed got the one answer as its own observation.
    expect(observedB.feedId).toBe(b.id);
    expect(observedB.assetId).toBe('weather-cache-b');
    expect(observedB.observedAt).toBe(observedA.observedAt);
    expect(Observation.parse((dry.body as { observation: unknown }).observation).feedId).toBe(a.id);

    const cache = await cacheHealth();
    expect(cache).toMatchObject({ enabled: true, lookups: 3, hits: 2, upstreamFetches: 1, l1: { backend: 'memory', hits: 2, misses: 1 }, l2: null });
    expect(cache.l3).toMatchObject({ backend: 'database', misses: 1, errors: 0 });
    expect(cache.hitRatio).toBeCloseTo(2 / 3);
  });
});
