import { describe, expect, it } from 'vitest';
import { SmoothWeightedBalancer } from '../../../gateway/pools/balancer.ts';
import { Upstream } from '../../../gateway/pools/upstream.ts';

const NOW_MS = 1_000_000;

function member(url: string, weight: number): Upstream {
  const u = new Upstream('validators', url);
  u.weight = weight;
  return u;
}

function picks(balancer: SmoothWeightedBalancer, members: Upstream[], count: number): string[] {
  return Array.from({ length: count }, () => balancer.pick('validators', members, NOW_MS)?.url ?? 'none');
}

describe('smooth weighted round-robin', () => {
  it('interleaves members by weight as nginx does (5, 1, 1 gives a a b a c a a)', () => {
    const members = [member('a', 5), member('b', 1), member('c', 1)];
    expect(picks(new SmoothWeightedBalancer(), members, 7)).toEqual(['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  it('gives each member exactly its share of the traffic over whole rounds', () => {
    const members = [member('a', 3), member('b', 2), member('c', 1)];
    const counts = new Map<string, number>();
    for (const url of picks(new SmoothWeightedBalancer(), members, 600)) counts.set(url, (counts.get(url) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ a: 300, b: 200, c: 100 });
  });

  it('alternates between members of equal weight', () => {
    expect(picks(new SmoothWeightedBalancer(), [member('a', 1), member('b', 1)], 4)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('skips members that are down, open or ejected, and finds nobody when all are', () => {
    const [up, down, open, ejected] = [member('up', 1), member('down', 5), member('open', 5), member('ejected', 5)];
    down.health = 'down';
    open.breaker = 'open';
    ejected.outlier = { consecutiveFailures: 0, timesEjected: 1, ejectedUntilMs: NOW_MS + 1, readmittedAtMs: null };
    const balancer = new SmoothWeightedBalancer();
    expect(picks(balancer, [up, down, open, ejected], 3)).toEqual(['up', 'up', 'up']);
    expect(balancer.pick('validators', [down, open, ejected], NOW_MS)).toBeUndefined();
  });

  it('keeps a separate rotation for each candidate set', () => {
    const balancer = new SmoothWeightedBalancer();
    const members = [member('a', 1), member('b', 1)];
    expect(balancer.pick('validators', members, NOW_MS)?.url).toBe('a');
    expect(balancer.pick('business+validators', members, NOW_MS)?.url).toBe('a');
    expect(balancer.pick('validators', members, NOW_MS)?.url).toBe('b');
  });
});
