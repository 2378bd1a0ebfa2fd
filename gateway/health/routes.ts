import type { Handler } from 'hono';
import type { NodeHealth } from '../../schemas/index.ts';
import type { GatewayEnv } from '../env.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import { aggregateHealth } from './aggregate.ts';
import type { HealthProber } from './prober.ts';

export interface HealthDeps {
  registry: UpstreamRegistry;
  prober: HealthProber;
  startedAt: Date;
  selfUrl: () => string;
}

/**
 * `GET /health` (public). Reports the latest active probes (at most one interval old) instead
 * of probing on demand: a public endpoint must not let anyone multiply traffic onto every node.
 * Answers 503 when the network is down, so a load balancer in front can tell.
 */
export function healthHandler(deps: HealthDeps): Handler<GatewayEnv> {
  return async (c) => {
    await deps.prober.ensureChecked();
    const now = new Date();
    const self: NodeHealth = { role: 'gateway', url: deps.selfUrl(), status: 'up', uptimeMs: now.getTime() - deps.startedAt.getTime() };
    const health = aggregateHealth(self, deps.registry.all(), now);
    c.header('Cache-Control', 'no-store');
    return c.json(health, health.status === 'down' ? 503 : 200);
  };
}

/** `GET /livez` (outside the API): the process is up and serving, whatever the network does. */
export const livenessHandler: Handler<GatewayEnv> = (c) => c.json({ status: 'up' });
