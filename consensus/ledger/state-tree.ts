import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { hashLeaf, hashNode } from '../crypto/merkle.ts';
import { invariant } from '../invariant.ts';
import { bucketRoot, stateBucketOf, stateEntryHash, STATE_BUCKETS } from './state-root.ts';
import type { LedgerState } from './state.ts';

interface Update {
  buckets: Map<number, Map<string, string>>;
  nodes: Map<number, Uint8Array>;
}

/**
 * The state root kept up to date incrementally: item hashes per bucket and the tree over the
 * bucket roots are cached, so a block costs its writes (one bucket and 12 inner hashes each),
 * not the size of the ledger. Same root as `stateRoot` by construction, checked in tests.
 */
export class StateTree {
  /** Heap layout: node n has children 2n and 2n+1; leaves of bucket b at STATE_BUCKETS + b; root at 1. */
  private readonly nodes: Uint8Array[] = new Array<Uint8Array>(2 * STATE_BUCKETS);

  private constructor(private readonly buckets: Map<string, string>[]) {
    for (let b = 0; b < STATE_BUCKETS; b++) this.nodes[STATE_BUCKETS + b] = hashLeaf(hexToBytes(bucketRoot(buckets[b]!)));
    for (let n = STATE_BUCKETS - 1; n >= 1; n--) this.nodes[n] = hashNode(this.nodes[2 * n]!, this.nodes[2 * n + 1]!);
  }

  static from(state: LedgerState): StateTree {
    const buckets = Array.from({ length: STATE_BUCKETS }, () => new Map<string, string>());
    for (const [key, value] of state) buckets[stateBucketOf(key)]!.set(key, stateEntryHash(key, value));
    return new StateTree(buckets);
  }

  root(): string {
    return bytesToHex(this.nodes[1]!);
  }

  /** The root the state would have with `writes` applied; the tree itself is left as it is. */
  rootWith(writes: ReadonlyMap<string, unknown>): string {
    const update = this.compute(writes);
    return bytesToHex(update.nodes.get(1) ?? this.nodes[1]!);
  }

  /** Applies writes that are now committed. */
  apply(writes: ReadonlyMap<string, unknown>): void {
    const update = this.compute(writes);
    for (const [b, entries] of update.buckets) this.buckets[b] = entries;
    for (const [n, hash] of update.nodes) this.nodes[n] = hash;
  }

  private compute(writes: ReadonlyMap<string, unknown>): Update {
    const buckets = new Map<number, Map<string, string>>();
    for (const [key, value] of writes) {
      invariant(value !== undefined, 'a state write without a value', { key });
      const b = stateBucketOf(key);
      let entries = buckets.get(b);
      if (entries === undefined) {
        entries = new Map(this.buckets[b]);
        buckets.set(b, entries);
      }
      entries.set(key, stateEntryHash(key, value));
    }
    const nodes = new Map<number, Uint8Array>();
    let level = new Set<number>();
    for (const [b, entries] of buckets) {
      nodes.set(STATE_BUCKETS + b, hashLeaf(hexToBytes(bucketRoot(entries))));
      level.add(STATE_BUCKETS + b);
    }
    const at = (n: number) => nodes.get(n) ?? this.nodes[n]!;
    while (level.size > 0 && !level.has(1)) {
      const parents = new Set<number>();
      for (const n of level) parents.add(n >> 1);
      for (const p of parents) nodes.set(p, hashNode(at(2 * p), at(2 * p + 1)));
      level = parents;
    }
    return { buckets, nodes };
  }
}
