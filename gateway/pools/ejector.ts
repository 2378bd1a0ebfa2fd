import type { Logger } from '../../runtime/logger.ts';
import type { PoolName } from '../routing/policy.ts';
import { ejectedMax, isEjected, observeFailure, observeSuccess, type OutlierPolicy } from './outlier.ts';
import type { UpstreamRegistry } from './registry.ts';
import type { Upstream } from './upstream.ts';

/** Told the outcome of every exchange that reached (or tried to reach) a member. */
export interface OutcomeObserver {
  succeeded(upstream: Upstream): void;
  failed(upstream: Upstream): void;
}

/** Applies the outlier policy to live members: the pure rules in outlier.ts, the pool's size from the registry. */
export class OutlierEjector implements OutcomeObserver {
  constructor(
    private readonly registry: UpstreamRegistry,
    private readonly policy: OutlierPolicy,
    private readonly onEjected: (upstream: Upstream) => void,
    private readonly logger?: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  succeeded(upstream: Upstream): void {
    upstream.outlier = observeSuccess(upstream.outlier, this.nowMs());
  }

  failed(upstream: Upstream): void {
    const nowMs = this.nowMs();
    const { state, verdict } = observeFailure(upstream.outlier, nowMs, this.policy, this.mayEjectFrom(upstream.pool, nowMs));
    upstream.outlier = state;
    if (verdict === 'ejected') {
      this.onEjected(upstream);
      const untilMs = state.ejectedUntilMs ?? nowMs;
      this.logger?.warn({ pool: upstream.pool, url: upstream.url, ejectedMs: untilMs - nowMs, timesEjected: state.timesEjected }, 'upstream ejected after consecutive failures');
    } else if (verdict === 'ejection-refused') {
      this.logger?.debug({ pool: upstream.pool, url: upstream.url }, 'upstream not ejected: its pool is at its ejection limit');
    }
  }

  private mayEjectFrom(pool: PoolName, nowMs: number): boolean {
    const members = this.registry.members(pool);
    const ejected = members.filter((u) => isEjected(u.outlier, nowMs)).length;
    return ejected < ejectedMax(members.length, this.policy.ejectedPercentMax);
  }
}
