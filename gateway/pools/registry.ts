import { POOL_NAMES, type PoolName } from '../routing/policy.ts';
import type { Balancer } from './balancer.ts';
import { Upstream } from './upstream.ts';

/**
 * The upstream members of each pool. This version's membership is fixed by configuration;
 * self-registration would be another implementation of the same interface.
 */
export interface UpstreamRegistry {
  members(pool: PoolName): readonly Upstream[];
  all(): readonly Upstream[];
  /** The first tier with an eligible member wins; within a tier, the balancer chooses. Undefined: nobody can serve. */
  select(tiers: readonly (readonly PoolName[])[]): Upstream | undefined;
  /** Another eligible member of the tier `failed` was chosen from (for a retry); undefined if there is none. */
  selectOther(tiers: readonly (readonly PoolName[])[], failed: Upstream): Upstream | undefined;
}

export type PoolUrls = Record<PoolName, readonly string[]>;

export class StaticUpstreamRegistry implements UpstreamRegistry {
  private readonly byPool: Record<PoolName, readonly Upstream[]>;
  private readonly everyone: readonly Upstream[];

  constructor(
    urls: PoolUrls,
    private readonly balancer: Balancer,
  ) {
    const build = (pool: PoolName) => dedupe(urls[pool]).map((u) => new Upstream(pool, u));
    this.byPool = { validators: build('validators'), business: build('business'), slim: build('slim') };
    this.everyone = POOL_NAMES.flatMap((p) => this.byPool[p]);
  }

  members(pool: PoolName): readonly Upstream[] {
    return this.byPool[pool];
  }

  all(): readonly Upstream[] {
    return this.everyone;
  }

  select(tiers: readonly (readonly PoolName[])[]): Upstream | undefined {
    for (const tier of tiers) {
      const picked = this.balancer.pick(tier.join('+'), tier.flatMap((p) => this.byPool[p]));
      if (picked !== undefined) return picked;
    }
    return undefined;
  }

  selectOther(tiers: readonly (readonly PoolName[])[], failed: Upstream): Upstream | undefined {
    const tier = tiers.find((t) => t.includes(failed.pool));
    if (tier === undefined) return undefined;
    return this.balancer.pick(
      tier.join('+'),
      tier.flatMap((p) => this.byPool[p]).filter((u) => u !== failed),
    );
  }
}

/** A URL listed twice would get twice the traffic by accident; trailing slashes do not make a new node. */
function dedupe(urls: readonly string[]): string[] {
  return [...new Set(urls.map((u) => u.replace(/\/+$/, '')))];
}
