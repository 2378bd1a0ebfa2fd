import type { Upstream } from './upstream.ts';

/**
 * Chooses one member among candidates. `key` names the candidate set (a tier of pools), so each
 * set keeps its own rotation. A weighted or least-loaded balancer is another implementation.
 */
export interface Balancer {
  pick(key: string, candidates: readonly Upstream[]): Upstream | undefined;
}

/** Plain round-robin over the eligible candidates. */
export class RoundRobinBalancer implements Balancer {
  private readonly next = new Map<string, number>();

  pick(key: string, candidates: readonly Upstream[]): Upstream | undefined {
    const eligible = candidates.filter((u) => u.eligible);
    if (eligible.length === 0) return undefined;
    const index = (this.next.get(key) ?? 0) % eligible.length;
    // Kept below the set size so the counter stays bounded however long the gateway runs.
    this.next.set(key, (index + 1) % eligible.length);
    return eligible[index];
  }
}
