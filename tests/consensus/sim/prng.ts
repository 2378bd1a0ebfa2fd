import type { RandomSource } from '../../../consensus/raft/index.ts';

/**
 * A small seeded generator (SplitMix32-style mixing over a 32-bit counter): the same seed
 * gives the same sequence on every machine, which is what makes a failing seed replayable.
 */
export class Prng implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 0x1_0000_0000;
  }

  intBelow(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.intBelow(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.intBelow(items.length)]!;
  }

  /** An independent stream, so one concern's draws do not shift another's. */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 0x1_0000_0000));
  }
}
