import type { NetworkHealth, NodeHealth } from '../../schemas/index.ts';
import type { PoolName } from '../routing/policy.ts';
import type { Upstream } from '../pools/upstream.ts';

const NODE_ROLE: Record<PoolName, NodeHealth['role']> = { validators: 'validator', business: 'business', slim: 'slim' };

export function upstreamNodeHealth(upstream: Upstream): NodeHealth {
  const probe = upstream.lastProbe;
  const node: NodeHealth = { role: NODE_ROLE[upstream.pool], url: upstream.url, status: probe?.status ?? 'down' };
  if (probe === null) return { ...node, details: { error: 'not probed yet' } };
  if (probe.latencyMs !== null) node.latencyMs = probe.latencyMs;
  const details = { ...(probe.details ?? {}), ...(probe.error === undefined ? {} : { error: probe.error }) };
  if (Object.keys(details).length > 0) node.details = details;
  return node;
}

/**
 * The network's status: `down` when no validator serves (nothing can be read or committed),
 * `up` when every node is up, `degraded` in between.
 */
export function aggregateHealth(gateway: NodeHealth, upstreams: readonly Upstream[], checkedAt: Date): NetworkHealth {
  const nodes = [gateway, ...upstreams.map(upstreamNodeHealth)];
  const serving = (n: NodeHealth) => n.status === 'up' || n.status === 'degraded';
  const validatorServing = nodes.some((n) => n.role === 'validator' && serving(n));
  const status = !validatorServing ? 'down' : nodes.every((n) => n.status === 'up') ? 'up' : 'degraded';
  return { status, nodes, checkedAt: checkedAt.toISOString() };
}
