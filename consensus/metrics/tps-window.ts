/**
 * Committed transactions per second over a sliding window: a ring of fixed-width buckets, so memory
 * is bounded (windowMs / bucketMs counters) whatever the rate. Pure: the caller passes the time.
 * The newest bucket is still filling, so the rate lags a burst by at most one bucket.
 */
export class TpsWindow {
  private readonly counts: number[];
  /** Bucket number (time / bucketMs) each slot of the ring holds; -1 for never used. */
  private readonly epochs: number[];
  /** The newest bucket seen: a clock that steps back counts into it rather than into the past. */
  private latestEpoch = -1;

  constructor(
    private readonly windowMs: number,
    private readonly bucketMs: number,
  ) {
    if (!Number.isInteger(bucketMs) || bucketMs <= 0) throw new RangeError(`bucketMs must be a positive integer, got ${bucketMs}`);
    if (!Number.isInteger(windowMs) || windowMs < bucketMs || windowMs % bucketMs !== 0) {
      throw new RangeError(`windowMs must be a positive multiple of bucketMs (${bucketMs}), got ${windowMs}`);
    }
    const buckets = windowMs / bucketMs;
    this.counts = new Array<number>(buckets).fill(0);
    this.epochs = new Array<number>(buckets).fill(-1);
  }

  /** Counts `txs` committed at `nowMs`. */
  record(txs: number, nowMs: number): void {
    if (!Number.isInteger(txs) || txs < 0) throw new RangeError(`a transaction count is a non-negative integer, got ${txs}`);
    const epoch = this.advance(nowMs);
    const slot = epoch % this.counts.length;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.counts[slot] = 0;
    }
    this.counts[slot]! += txs;
  }

  /** Transactions per second over the window ending at `nowMs`. */
  ratePerS(nowMs: number): number {
    const newest = this.advance(nowMs);
    const oldest = newest - this.counts.length + 1;
    let total = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const epoch = this.epochs[i]!;
      if (epoch >= oldest && epoch <= newest) total += this.counts[i]!;
    }
    return total / (this.windowMs / 1000);
  }

  private advance(nowMs: number): number {
    const epoch = Math.max(0, Math.floor(nowMs / this.bucketMs));
    if (epoch > this.latestEpoch) this.latestEpoch = epoch;
    return this.latestEpoch;
  }
}
