import type { AnnouncedNode } from '../../schemas/index.ts';
import { POOL_NAMES, type PoolName } from '../routing/policy.ts';
import type { Balancer } from './balancer.ts';
import { DEFAULT_WEIGHT, Upstream } from './upstream.ts';

/** The upstream members of each pool, as the proxy, the prober and the reports see them. */
export interface UpstreamRegistry {
  members(pool: PoolName): readonly Upstream[];
  all(): readonly Upstream[];
  /** The first tier with an eligible member wins; within a tier, the balancer chooses. Undefined: nobody can serve. */
  select(tiers: readonly (readonly PoolName[])[]): Upstream | undefined;
  /** Another eligible member of the tier `failed` was chosen from (for a retry); undefined if there is none. */
  selectOther(tiers: readonly (readonly PoolName[])[], failed: Upstream): Upstream | undefined;
}

export type PoolUrls = Record<PoolName, readonly string[]>;

/** What one reconciliation changed: members that joined and members that left. */
export interface MembershipChange {
  added: Upstream[];
  removed: Upstream[];
}

/**
 * Membership = configured URLs ∪ live announcements. Configured members never leave; announced
 * ones join when first seen and leave when their announcement is no longer live. A configured
 * URL that also announces stays one member (configured), taking the announced weight.
 */
export class PoolRegistry implements UpstreamRegistry {
  private readonly configured = new Map<string, Upstream>();
  private readonly announced = new Map<string, Upstream>();
  private byPool: Record<PoolName, readonly Upstream[]> = { validators: [], business: [], slim: [] };
  private everyone: readonly Upstream[] = [];
  /** By tier (the route policy's arrays, which live as long as the gateway); replaced whenever membership changes. */
  private tiers = new WeakMap<readonly PoolName[], { key: string; members: readonly Upstream[] }>();

  constructor(
    urls: PoolUrls,
    private readonly balancer: Balancer,
    private readonly nowMs: () => number = Date.now,
  ) {
    for (const pool of POOL_NAMES) {
      for (const url of urls[pool]) {
        const key = memberKey(pool, url);
        if (!this.configured.has(key)) this.configured.set(key, new Upstream(pool, normalizeUrl(url), 'config'));
      }
    }
    this.rebuild();
  }

  members(pool: PoolName): readonly Upstream[] {
    return this.byPool[pool];
  }

  all(): readonly Upstream[] {
    return this.everyone;
  }

  /** Applies the directory's live announcements: joins, departures, new weights and expiries. */
  reconcile(live: readonly AnnouncedNode[]): MembershipChange {
    const latest = new Map<string, AnnouncedNode>();
    for (const node of live) {
      const key = memberKey(node.pool, node.url);
      const seen = latest.get(key);
      // Two node ids at one address (a restart under a new id): the fresher announcement speaks for it.
      if (seen === undefined || Date.parse(seen.expiresAt) < Date.parse(node.expiresAt)) latest.set(key, node);
    }
    const added: Upstream[] = [];
    const removed: Upstream[] = [];
    for (const [key, upstream] of this.configured) applyAnnouncement(upstream, latest.get(key));
    for (const [key, upstream] of this.announced) {
      if (latest.has(key)) continue;
      this.announced.delete(key);
      removed.push(upstream);
    }
    for (const [key, node] of latest) {
      if (this.configured.has(key)) continue;
      let upstream = this.announced.get(key);
      if (upstream === undefined) {
        upstream = new Upstream(node.pool, normalizeUrl(node.url), 'announced');
        this.announced.set(key, upstream);
        added.push(upstream);
      }
      applyAnnouncement(upstream, node);
    }
    if (added.length > 0 || removed.length > 0) this.rebuild();
    return { added, removed };
  }

  select(tiers: readonly (readonly PoolName[])[]): Upstream | undefined {
    const nowMs = this.nowMs();
    for (const tier of tiers) {
      const { key, members } = this.tierOf(tier);
      const picked = this.balancer.pick(key, members, nowMs);
      if (picked !== undefined) return picked;
    }
    return undefined;
  }

  /** A tier's balancer key and members, worked out once per tier and membership rather than on every request. */
  private tierOf(tier: readonly PoolName[]): { key: string; members: readonly Upstream[] } {
    let known = this.tiers.get(tier);
    if (known === undefined) {
      known = { key: tier.join('+'), members: tier.flatMap((p) => this.byPool[p]) };
      this.tiers.set(tier, known);
    }
    return known;
  }

  selectOther(tiers: readonly (readonly PoolName[])[], failed: Upstream): Upstream | undefined {
    const tier = tiers.find((t) => t.includes(failed.pool));
    if (tier === undefined) return undefined;
    return this.balancer.pick(
      tier.join('+'),
      tier.flatMap((p) => this.byPool[p]).filter((u) => u !== failed),
      this.nowMs(),
    );
  }

  /** Configured members first, in configuration order, then announced ones by address: a stable order for reports. */
  private rebuild(): void {
    const announced = [...this.announced.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    const of = (pool: PoolName) => [...this.configured.values(), ...announced].filter((u) => u.pool === pool);
    this.byPool = { validators: of('validators'), business: of('business'), slim: of('slim') };
    this.everyone = POOL_NAMES.flatMap((p) => this.byPool[p]);
    this.tiers = new WeakMap();
  }
}

function applyAnnouncement(upstream: Upstream, node: AnnouncedNode | undefined): void {
  upstream.weight = node?.weight ?? DEFAULT_WEIGHT;
  upstream.nodeId = node?.nodeId ?? null;
  upstream.expiresAt = node === undefined ? null : new Date(node.expiresAt);
}

/** Trailing slashes do not make a new node; a URL listed twice would get twice the traffic by accident. */
const normalizeUrl = (url: string): string => url.replace(/\/+$/, '');
const memberKey = (pool: PoolName, url: string): string => `${pool} ${normalizeUrl(url)}`;
