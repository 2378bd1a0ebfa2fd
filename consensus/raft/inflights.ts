import { invariant } from '../invariant.ts';

/**
 * The append messages in flight to one follower, by last index: the pipelining window. When
 * full the leader stops sending until acknowledgements free slots, bounding memory and the
 * work lost if the follower falls behind.
 */
export class Inflights {
  private readonly lastIndexes: number[] = [];
  readonly sizeMax: number;

  constructor(sizeMax: number) {
    invariant(sizeMax > 0, 'inflight window must hold at least one message');
    this.sizeMax = sizeMax;
  }

  add(lastIndex: number): void {
    invariant(!this.full(), 'inflight window overflow');
    const newest = this.lastIndexes[this.lastIndexes.length - 1];
    invariant(newest === undefined || lastIndex > newest, 'inflight indexes must grow', { lastIndex, newest });
    this.lastIndexes.push(lastIndex);
  }

  /** Frees every message acknowledged by a response up to index. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.lastIndexes.length && this.lastIndexes[n]! <= index) n++;
    if (n > 0) this.lastIndexes.splice(0, n);
  }

  /** Lets one message through when the window is stuck, e.g. after every message in it was lost. */
  freeFirstOne(): void {
    this.lastIndexes.shift();
  }

  full(): boolean {
    return this.lastIndexes.length >= this.sizeMax;
  }

  count(): number {
    return this.lastIndexes.length;
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}
