import type { GatewayStats, PoolStats } from '../../schemas/index.ts';
import type { RateLimitStats } from '../../schemas/rate-limit.ts';
import { POOL_NAMES, type PoolName } from '../routing/policy.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';
import type { MembershipStatus } from '../pools/membership-sync.ts';
import { isEjected } from '../pools/outlier.ts';
import type { Upstream } from '../pools/upstream.ts';

interface UpstreamCounters {
  requests: number;
  failures: number;
}

const emptyPool = (): PoolStats => ({ requests: 0, upstreamErrors: 0, upstreamFailed: 0, upstreamTimeouts: 0, unavailable: 0, ejections: 0 });

/** Counters of what the proxy did, per pool and per upstream, since start-up. In memory: they describe this process. */
export class ProxyStats {
  private readonly pools: Record<PoolName, PoolStats> = { validators: emptyPool(), business: emptyPool(), slim: emptyPool() };
  /** Weak: a member that leaves its pool takes its counters with it. */
  private readonly upstreams = new WeakMap<Upstream, UpstreamCounters>();
  private retriesAttempted = 0;
  private retriesBudgetRefused = 0;
  private breakerRejections = 0;

  constructor(
    readonly startedAt: Date,
    /** Where pool members come from; read at each snapshot. */
    private readonly membership: () => MembershipStatus,
  ) {}

  answered(upstream: Upstream, status: number): void {
    const pool = this.pools[upstream.pool];
    pool.requests++;
    if (status >= 500) pool.upstreamErrors++;
    this.of(upstream).requests++;
  }

  failed(upstream: Upstream, kind: 'timeout' | 'failed'): void {
    const pool = this.pools[upstream.pool];
    if (kind === 'timeout') pool.upstreamTimeouts++;
    else pool.upstreamFailed++;
    this.of(upstream).failures++;
  }

  /** A second attempt went to another node. */
  retried(): void {
    this.retriesAttempted++;
  }

  /** A second attempt was warranted but the retry budget was empty. */
  retryRefused(): void {
    this.retriesBudgetRefused++;
  }

  /** An open (or trial-busy half-open) breaker refused a request without contacting its node. */
  breakerRejected(): void {
    this.breakerRejections++;
  }

  /** Outlier detection ejected a member of this pool. */
  ejected(upstream: Upstream): void {
    this.pools[upstream.pool].ejections++;
  }

  /** No member of any of these pools could take the request. */
  unavailable(pools: readonly PoolName[]): void {
    for (const p of pools) this.pools[p].unavailable++;
  }

  snapshot(registry: UpstreamRegistry, now: Date, rateLimits: RateLimitStats): GatewayStats {
    const membership = this.membership();
    return {
      startedAt: this.startedAt.toISOString(),
      uptimeMs: now.getTime() - this.startedAt.getTime(),
      pools: Object.fromEntries(POOL_NAMES.map((p) => [p, { ...this.pools[p] }])) as Record<PoolName, PoolStats>,
      upstreams: registry.all().map((u) => ({
        pool: u.pool,
        url: u.url,
        health: u.health,
        latencyMs: u.lastProbe?.latencyMs ?? null,
        checkedAt: u.lastProbe?.checkedAt.toISOString() ?? null,
        requests: this.upstreams.get(u)?.requests ?? 0,
        failures: this.upstreams.get(u)?.failures ?? 0,
        breaker: u.breaker,
        source: u.source,
        nodeId: u.nodeId,
        expiresAt: u.expiresAt?.toISOString() ?? null,
        weight: u.weight,
        ejection: {
          ejected: isEjected(u.outlier, now.getTime()),
          until: isEjected(u.outlier, now.getTime()) && u.outlier.ejectedUntilMs !== null ? new Date(u.outlier.ejectedUntilMs).toISOString() : null,
          timesEjected: u.outlier.timesEjected,
          consecutiveFailures: u.outlier.consecutiveFailures,
        },
      })),
      retries: { attempted: this.retriesAttempted, budgetRefused: this.retriesBudgetRefused, breakerRejected: this.breakerRejections },
      rateLimits,
      membership: { ...membership, lastSyncAt: membership.lastSyncAt?.toISOString() ?? null },
    };
  }

  private of(upstream: Upstream): UpstreamCounters {
    let counters = this.upstreams.get(upstream);
    if (counters === undefined) {
      counters = { requests: 0, failures: 0 };
      this.upstreams.set(upstream, counters);
    }
    return counters;
  }
}
