import { invariant } from '../invariant.ts';
import type { NodeId } from './types.ts';

interface PendingRead {
  readonly ctx: string;
  /** The commit index when the read arrived: the answer may not be older than this. */
  readonly index: number;
  /** Who asked: the leader itself or a follower to answer with read_index_resp. */
  readonly from: NodeId;
  readonly acks: Set<NodeId>;
}

/**
 * ReadIndex bookkeeping on the leader: a read is safe to serve at its recorded commit index once
 * a quorum of voters acknowledged a heartbeat sent after it arrived, which proves no newer leader
 * had taken over at that moment. Reads are released in arrival order.
 */
export class ReadIndexQueue {
  private readonly queue: PendingRead[] = [];
  readonly sizeMax: number;

  constructor(sizeMax: number) {
    this.sizeMax = sizeMax;
  }

  full(): boolean {
    return this.queue.length >= this.sizeMax;
  }

  has(ctx: string): boolean {
    return this.queue.some((r) => r.ctx === ctx);
  }

  add(ctx: string, index: number, from: NodeId, self: NodeId): void {
    invariant(!this.full(), 'read index queue overflow');
    this.queue.push({ ctx, index, from, acks: new Set([self]) });
  }

  /** A heartbeat answer carrying ctx acknowledges that read and every read queued before it. */
  ack(ctx: string, from: NodeId): ReadonlySet<NodeId> | undefined {
    const read = this.queue.find((r) => r.ctx === ctx);
    if (!read) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Removes and returns every read up to and including ctx. */
  release(ctx: string): { ctx: string; index: number; from: NodeId }[] {
    const at = this.queue.findIndex((r) => r.ctx === ctx);
    if (at < 0) return [];
    return this.queue.splice(0, at + 1).map(({ ctx: c, index, from }) => ({ ctx: c, index, from }));
  }

  lastCtx(): string | null {
    return this.queue[this.queue.length - 1]?.ctx ?? null;
  }

  clear(): void {
    this.queue.length = 0;
  }
}
