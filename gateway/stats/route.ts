import type { Handler } from 'hono';
import type { GatewayEnv } from '../env.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import type { RateLimitCounters } from '../rate-limit/stats.ts';
import type { ProxyStats } from './counters.ts';

/** `GET /stats` (public). */
export const statsHandler =
  (stats: ProxyStats, registry: UpstreamRegistry, rateLimits: RateLimitCounters): Handler<GatewayEnv> =>
  (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(stats.snapshot(registry, new Date(), rateLimits.snapshot()));
  };
