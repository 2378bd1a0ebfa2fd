import type { Handler } from 'hono';
import type { ReadinessProbes } from '../../runtime/probes/readiness.ts';
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

/**
 * `GET /readyz` (outside the API, with `/livez`): a gateway is ready when it can serve the API,
 * that is when its last probes found a validator serving; a gateway cut off from every validator
 * is alive but not ready, so a load balancer in front sends its clients to another.
 */
export function gatewayReadiness(registry: UpstreamRegistry): ReadinessProbes {
  return {
    validators: () => {
      const validators = registry.members('validators');
      const serving = validators.filter((u) => u.health === 'up' || u.health === 'degraded').length;
      return serving > 0 ? { ok: true, reason: `${serving} of ${validators.length} serving` } : { ok: false, reason: `no validator is serving (${validators.length} known)` };
    },
  };
}
