import type { PeerMessage } from './types.ts';

/** Bounds of one peer's outgoing queue and of the batch one request carries. */
export interface PeerQueueLimits {
  /** Estimated wire bytes waiting for one peer; past it new messages are dropped. */
  queueBytesMax: number;
  queueMessagesMax: number;
  /** A request takes queued messages up to these bounds (always at least one, however large). */
  batchBytesMax: number;
  batchMessagesMax: number;
}

/** JSON of a message's small fields is well under this; strings are counted on top. */
const MESSAGE_OVERHEAD_BYTES = 160;
const ENTRY_OVERHEAD_BYTES = 64;

/** Wire size of a message, close enough for bounding queues and batches without encoding it. */
export function wireBytesEstimate(m: PeerMessage): number {
  switch (m.type) {
    case 'append': {
      let bytes = MESSAGE_OVERHEAD_BYTES;
      for (const e of m.entries) bytes += ENTRY_OVERHEAD_BYTES + e.data.byteLength;
      return bytes;
    }
    case 'snapshot':
      return MESSAGE_OVERHEAD_BYTES + m.snapshot.data.byteLength + 64 * (m.snapshot.meta.conf.voters.length + m.snapshot.meta.conf.learners.length);
    case 'cosign':
      return MESSAGE_OVERHEAD_BYTES + m.hash.length + m.algorithm.length + m.publicKey.length + m.signature.length;
    case 'heartbeat':
    case 'heartbeat_resp':
      return MESSAGE_OVERHEAD_BYTES + (m.ctx?.length ?? 0);
    case 'read_index':
    case 'read_index_resp':
      return MESSAGE_OVERHEAD_BYTES + m.ctx.length;
    default:
      return MESSAGE_OVERHEAD_BYTES;
  }
}

/**
 * The messages waiting for one peer, in send order, bounded in count and bytes. A message that
 * does not fit is refused rather than pushing older ones out: Raft tolerates loss anywhere, and
 * refusing keeps what is queued a prefix of what was sent.
 */
export class PeerQueue {
  private items: { message: PeerMessage; bytes: number }[] = [];
  private head = 0;
  private queuedBytes = 0;

  constructor(private readonly limits: PeerQueueLimits) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.queuedBytes;
  }

  /** False when the message would take the queue past a bound; it is then not queued. */
  offer(message: PeerMessage): boolean {
    const bytes = wireBytesEstimate(message);
    if (this.length >= this.limits.queueMessagesMax) return false;
    // An empty queue takes any one message, so a snapshot larger than the byte bound can still go.
    if (this.length > 0 && this.queuedBytes + bytes > this.limits.queueBytesMax) return false;
    this.items.push({ message, bytes });
    this.queuedBytes += bytes;
    return true;
  }

  /** The oldest messages up to the batch bounds; empty only when the queue is. */
  takeBatch(): PeerMessage[] {
    const batch: PeerMessage[] = [];
    let bytes = 0;
    while (this.head < this.items.length && batch.length < this.limits.batchMessagesMax) {
      const next = this.items[this.head]!;
      if (batch.length > 0 && bytes + next.bytes > this.limits.batchBytesMax) break;
      batch.push(next.message);
      bytes += next.bytes;
      this.head++;
    }
    this.queuedBytes -= bytes;
    this.compact();
    return batch;
  }

  /** Empties the queue; answers how many messages were dropped. */
  clear(): number {
    const dropped = this.length;
    this.items = [];
    this.head = 0;
    this.queuedBytes = 0;
    return dropped;
  }

  /** Drops taken slots once they are most of the array, so taking stays O(1) amortized. */
  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
