export type SlotVerdict =
  | { kind: 'admitted'; release: () => void }
  /** The holder has its share open already. */
  | { kind: 'holder-full' }
  /** Every slot is taken. */
  | { kind: 'full' };

/**
 * Counts open long-lived responses (server-sent event streams), in total and per holder (an API
 * key). Each open stream holds an upstream connection and a client connection for its life, so
 * without a bound a few clients could hold every connection the gateway has. Pure bookkeeping:
 * no clock, no I/O, so it runs on any runtime.
 */
export class StreamSlots {
  private openCount = 0;
  /** Only holders with at least one open stream are kept: at most `totalMax` entries. */
  private readonly byHolder = new Map<string, number>();

  constructor(
    readonly totalMax: number,
    readonly perHolderMax: number,
  ) {
    if (!Number.isInteger(totalMax) || totalMax < 1) throw new Error(`stream slots: totalMax must be a positive integer, got ${totalMax}`);
    if (!Number.isInteger(perHolderMax) || perHolderMax < 1) throw new Error(`stream slots: perHolderMax must be a positive integer, got ${perHolderMax}`);
  }

  get open(): number {
    return this.openCount;
  }

  openBy(holder: string): number {
    return this.byHolder.get(holder) ?? 0;
  }

  /** Takes a slot for `holder`; `release` gives it back and may be called any number of times. */
  acquire(holder: string): SlotVerdict {
    const mine = this.openBy(holder);
    // The holder's own share first: a client over its share is told so (429), even when everything is full.
    if (mine >= this.perHolderMax) return { kind: 'holder-full' };
    if (this.openCount >= this.totalMax) return { kind: 'full' };
    this.openCount++;
    this.byHolder.set(holder, mine + 1);
    let held = true;
    return {
      kind: 'admitted',
      release: () => {
        if (!held) return;
        held = false;
        this.openCount--;
        const left = this.openBy(holder) - 1;
        if (left < 0 || this.openCount < 0) throw new Error(`stream slots: released more than acquired (${holder})`);
        if (left === 0) this.byHolder.delete(holder);
        else this.byHolder.set(holder, left);
      },
    };
  }
}
