import type { Upstream } from './upstream.ts';

/**
 * Chooses one member among candidates. `key` names the candidate set (a tier of pools), so each
 * set keeps its own rotation.
 */
export interface Balancer {
  pick(key: string, candidates: readonly Upstream[], nowMs: number): Upstream | undefined;
}

/**
 * Smooth weighted round-robin (nginx's): each pick adds every eligible member's weight to its
 * running score, takes the highest, and charges it the total. Over any run of `total` picks each
 * member is chosen `weight` times, interleaved rather than in bursts (5,1,1 gives a a b a c a a).
 */
export class SmoothWeightedBalancer implements Balancer {
  /** Per candidate set; weak, so members that leave their pool leave no score behind. */
  private readonly scores = new Map<string, WeakMap<Upstream, number>>();

  pick(key: string, candidates: readonly Upstream[], nowMs: number): Upstream | undefined {
    let scores = this.scores.get(key);
    if (scores === undefined) {
      scores = new WeakMap();
      this.scores.set(key, scores);
    }
    let best: Upstream | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    let total = 0;
    for (const member of candidates) {
      if (!member.isEligible(nowMs)) continue;
      const score = (scores.get(member) ?? 0) + member.weight;
      scores.set(member, score);
      total += member.weight;
      if (score > bestScore) {
        best = member;
        bestScore = score;
      }
    }
    // Scores stay within ±total, so they are bounded however long the gateway runs.
    if (best !== undefined) scores.set(best, bestScore - total);
    return best;
  }
}
