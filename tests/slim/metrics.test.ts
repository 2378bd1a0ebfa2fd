import { describe, expect, it } from 'vitest';
import { AVAILABILITY_WINDOW_CALLS, createSlimMetrics } from '../../slim/metrics/index.ts';
import { parseExposition, valueOf } from '../support/prometheus.ts';

const render = async (metrics: ReturnType<typeof createSlimMetrics>) => parseExposition(await metrics.render());

describe('slim metrics', () => {
  it('reports a source’s availability over its latest calls only, so a recovered source climbs back to 100%', async () => {
    const metrics = createSlimMetrics({ cacheHitRatio: () => null });
    for (let i = 0; i < AVAILABILITY_WINDOW_CALLS; i++) metrics.sourceCall('alpaca', 10, false);
    expect(valueOf(await render(metrics), 'slim_api_availability_percent', { source: 'alpaca' })).toBe(0);
    for (let i = 0; i < AVAILABILITY_WINDOW_CALLS / 4; i++) metrics.sourceCall('alpaca', 10, true);
    expect(valueOf(await render(metrics), 'slim_api_availability_percent', { source: 'alpaca' })).toBe(25);
    for (let i = 0; i < AVAILABILITY_WINDOW_CALLS; i++) metrics.sourceCall('alpaca', 10, true);
    expect(valueOf(await render(metrics), 'slim_api_availability_percent', { source: 'alpaca' })).toBe(100);
  });

  it('keeps each source’s availability apart', async () => {
    const metrics = createSlimMetrics({ cacheHitRatio: () => null });
    metrics.sourceCall('alpaca', 10, true);
    metrics.sourceCall('rentcast', 10, false);
    const e = await render(metrics);
    expect(valueOf(e, 'slim_api_availability_percent', { source: 'alpaca' })).toBe(100);
    expect(valueOf(e, 'slim_api_availability_percent', { source: 'rentcast' })).toBe(0);
  });

  it('reports the cache hit ratio as NaN until the cache was asked, then as hits over lookups', async () => {
    let ratio: number | null = null;
    const metrics = createSlimMetrics({ cacheHitRatio: () => ratio });
    expect(valueOf(await render(metrics), 'slim_cache_hit_ratio')).toBeNaN();
    ratio = 0.75;
    expect(valueOf(await render(metrics), 'slim_cache_hit_ratio')).toBe(0.75);
  });

  it('counts events pushed by evaluations and by approvals together', async () => {
    const metrics = createSlimMetrics({ cacheHitRatio: () => null });
    metrics.evaluated([], 3);
    metrics.eventsPushed(1);
    expect(valueOf(await render(metrics), 'slim_tokenization_events_pushed')).toBe(4);
  });
});
