import type { NetworkHealth, NetworkSummary, NodeHealth } from '../../schemas/index.ts';
import type { PoolName } from '../routing/policy.ts';
import { isEjected } from '../pools/outlier.ts';
import type { Upstream } from '../pools/upstream.ts';

const NODE_ROLE: Record<PoolName, NodeHealth['role']> = { validators: 'validator', business: 'business', slim: 'slim' };

export function upstreamNodeHealth(upstream: Upstream, now: Date): NodeHealth {
  const probe = upstream.lastProbe;
  const node: NodeHealth = { role: NODE_ROLE[upstream.pool], url: upstream.url, status: probe?.status ?? 'down', membership: membershipOf(upstream, now) };
  if (probe === null) return { ...node, details: { error: 'not probed yet' } };
  if (probe.latencyMs !== null) node.latencyMs = probe.latencyMs;
  if (probe.uptimeMs !== undefined) node.uptimeMs = probe.uptimeMs;
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
  return { status, summary: summarize(nodes, gateway.uptimeMs ?? 0), nodes, checkedAt: checkedAt.toISOString() };
}

const numberIn = (details: NodeHealth['details'], key: string): number | null => {
  const value = details?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/** Figures over the nodes' own reports (validators put height, tps and leader in their details). */
export function summarize(nodes: readonly NodeHealth[], uptimeMs: number): NetworkSummary {
  const roles: NetworkSummary['roles'] = {};
  for (const n of nodes) {
    const entry = (roles[n.role] ??= { serving: 0, total: 0 });
    entry.total += 1;
    if (n.status === 'up' || n.status === 'degraded') entry.serving += 1;
  }
  const answered = nodes.filter((n) => n.status !== 'down');
  const tps = Math.max(0, ...answered.map((n) => numberIn(n.details, 'tps') ?? 0));
  const heights = answered.map((n) => numberIn(n.details, 'height')).filter((h): h is number => h !== null);
  const leaders = nodes.filter((n) => n.role === 'validator' && n.status !== 'down').map((n) => n.details?.['leader']);
  const leader = leaders.find((l): l is string => typeof l === 'string') ?? null;
  const latencies = answered.map((n) => n.latencyMs).filter((l): l is number => l !== undefined);
  const latencyMsMean = latencies.length === 0 ? null : Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length);
  return { roles, tps, height: heights.length === 0 ? null : Math.max(...heights), leader, latencyMsMean, uptimeMs };
}
