import { AppError } from '../../runtime/errors.ts';

interface PendingRead {
  resolve(index: number): void;
  reject(error: AppError): void;
  /** Read point once the leader confirmed it; the read may be answered when this node has applied it. */
  index: number | null;
  timer: NodeJS.Timeout;
}

/**
 * Linearizable reads waiting on ReadIndex: first for the leader to confirm a read point, then for
 * this node to apply up to it. Bounded in number and in time: a read that cannot be confirmed (no
 * leader, partition) fails with a retryable 503 instead of hanging.
 */
export class PendingReads {
  private readonly reads = new Map<string, PendingRead>();
  private seq = 0;

  constructor(
    private readonly prefix: string,
    private readonly readsMax: number,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.reads.size;
  }

  /** Registers a read; returns its ctx and the promise of its read point, or throws when full. */
  open(): { ctx: string; point: Promise<number> } {
    if (this.reads.size >= this.readsMax) {
      throw new AppError('UNAVAILABLE', `${this.readsMax} linearizable reads are already waiting`, { retryAfterS: 1 });
    }
    const ctx = `${this.prefix}:${++this.seq}`;
    const point = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reads.delete(ctx);
        reject(new AppError('UNAVAILABLE', `no read point confirmed by a leader within ${this.timeoutMs} ms`, { retryAfterS: 1 }));
      }, this.timeoutMs);
      this.reads.set(ctx, { resolve, reject, index: null, timer });
    });
    return { ctx, point };
  }

  /** Fails one read now (e.g. no leader could be asked); unknown ctx: nothing happens. */
  fail(ctx: string, error: AppError): void {
    const read = this.reads.get(ctx);
    if (read === undefined) return;
    clearTimeout(read.timer);
    this.reads.delete(ctx);
    read.reject(error);
  }

  /** The leader confirmed ctx at index. */
  confirmed(ctx: string, index: number): void {
    const read = this.reads.get(ctx);
    if (read !== undefined) read.index = index;
  }

  /** Answers every confirmed read whose index is applied. */
  appliedTo(applied: number): void {
    for (const [ctx, read] of this.reads) {
      if (read.index !== null && read.index <= applied) {
        clearTimeout(read.timer);
        this.reads.delete(ctx);
        read.resolve(read.index);
      }
    }
  }

  failAll(error: AppError): void {
    for (const read of this.reads.values()) {
      clearTimeout(read.timer);
      read.reject(error);
    }
    this.reads.clear();
  }
}
