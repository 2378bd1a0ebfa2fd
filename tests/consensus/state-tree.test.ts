import { describe, expect, it } from 'vitest';
import { EMPTY_STATE_ROOT, stateRoot, StateTree } from '../../consensus/ledger/index.ts';
import { stateBucketOf, STATE_BUCKETS } from '../../consensus/ledger/state-root.ts';

/** A small deterministic generator, so a failing case replays exactly. */
function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomWrites(random: () => number, count: number, keySpace: number): Map<string, unknown> {
  const writes = new Map<string, unknown>();
  for (let i = 0; i < count; i++) writes.set(`k:${Math.floor(random() * keySpace)}`, { v: Math.floor(random() * 1000) });
  return writes;
}

describe('the incremental state tree', () => {
  it('starts from the root of the empty ledger', () => {
    expect(StateTree.from(new Map()).root()).toBe(EMPTY_STATE_ROOT);
    expect(stateRoot(new Map())).toBe(EMPTY_STATE_ROOT);
  });

  it('agrees with the plain definition after every block of a random history', () => {
    for (const seed of [1, 2, 3]) {
      const random = seeded(seed);
      const state = new Map<string, unknown>();
      const tree = StateTree.from(state);
      for (let block = 0; block < 25; block++) {
        const writes = randomWrites(random, 1 + Math.floor(random() * 20), 200);
        const expected = stateRoot(state, writes);
        expect(tree.rootWith(writes), `seed ${seed} block ${block}`).toBe(expected);
        for (const [k, v] of writes) state.set(k, v);
        tree.apply(writes);
        expect(tree.root()).toBe(expected);
      }
    }
  });

  it('leaves its root unchanged when only asked for the root a block would give', () => {
    const tree = StateTree.from(new Map([['a', 1]]));
    const before = tree.root();
    tree.rootWith(new Map([['b', 2]]));
    expect(tree.root()).toBe(before);
  });

  it('builds the same root from a loaded state as from the history that made it', () => {
    const random = seeded(9);
    const state = new Map<string, unknown>();
    const tree = StateTree.from(state);
    for (let block = 0; block < 10; block++) {
      const writes = randomWrites(random, 10, 100);
      for (const [k, v] of writes) state.set(k, v);
      tree.apply(writes);
    }
    expect(StateTree.from(state).root()).toBe(tree.root());
  });

  it('does not depend on the order keys were written in', () => {
    const forward = StateTree.from(new Map([['x', 1], ['y', 2]]));
    const backward = StateTree.from(new Map([['y', 2], ['x', 1]]));
    expect(forward.root()).toBe(backward.root());
  });

  it('spreads keys over all buckets', () => {
    const used = new Set(Array.from({ length: 20_000 }, (_, i) => stateBucketOf(`event:${i}`)));
    expect(used.size).toBeGreaterThan(STATE_BUCKETS * 0.95);
  });
});
