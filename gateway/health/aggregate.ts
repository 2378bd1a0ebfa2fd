import type { NetworkHealth, NodeHealth } from '../../schemas/index.ts';
import type { PoolName } from '../routing/policy.ts';
import { isEjected } from '../pools/outlier.ts';
import type { Upstream } from '../pools/upstream.ts';

const NODE_ROLE: Record<PoolName, NodeHealth['role']> = { validators: 'validator', business: 'business', slim: 'slim' };

export function upstreamNodeHealth(upstream: Upstream, now: Date): NodeHealth {
  const probe = upstream.lastProbe;
  const node: NodeHealth = { role: NODE_ROLE[upstream.pool], url: upstream.url, status: probe?.status ?? 'down', membership: membershipOf(upstream, now) };
  if (probe === null) return { ...node, details: { error: 'not probed yet' } };
  if (probe.latencyMs !== null) node.latencyMs = probe.latencyMs;
  const details = { ...(probe.details ?? {}), ...(probe.error === undefined ? {} : { error: probe.error }) };
  if (Object.keys(details).length > 0) node.details = details;
  return node;
}

function membershipOf(upstream: Upstream, now: Date): NonNullable<NodeHealth['membership']> {
  const membership: NonNullable<NodeHealth['membership']> = { source: upstream.source, weight: upstream.weight };
  if (upstream.expiresAt !== null) membership.expiresAt = upstream.expiresAt.toISOString();
  const { ejectedUntilMs } = upstream.outlier;
  if (ejectedUntilMs !== null && isEjected(upstream.outlier, now.getTime())) membership.ejectedUntil = new Date(ejectedUntilMs).toISOString();
  return membership;
}

/**
 * The network's status: `down` when no validator serves (nothing can be read or committed),
 * `up` when every node is up, `degraded` in between.
 */
export function aggregateHealth(gateway: NodeHealth, upstreams: readonly Upstream[], checkedAt: Date): NetworkHealth {
  const nodes = [gateway, ...upstreams.map((u) => upstreamNodeHealth(u, checkedAt))];
  const serving = (n: NodeHealth) => n.status === 'up' || n.status === 'degraded';
  const validatorServing = nodes.some((n) => n.role === 'validator' && serving(n));
  const status = !validatorServing ? 'down' : nodes.every((n) => n.status === 'up') ? 'up' : 'degraded';
  return { status, nodes, checkedAt: checkedAt.toISOString() };
}
