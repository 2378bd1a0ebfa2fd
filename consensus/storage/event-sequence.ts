import { invariant } from '../invariant.ts';

/** Transactions a block may hold for its events' sequences to stay distinct (far above any BLOCK_TXS_MAX in use). */
export const EVENT_POSITIONS_PER_BLOCK = 2 ** 20;

/**
 * A committed event's sequence: its block height and its transaction's place in the block, in one
 * integer. Every node stores the same blocks, so every node gives an event the same sequence, and a
 * client's Last-Event-ID means the same thing on whichever node it reconnects to. Exact in a double
 * up to height 2^33.
 */
export function eventSequence(height: number, position: number): number {
  invariant(Number.isInteger(position) && position >= 0 && position < EVENT_POSITIONS_PER_BLOCK, 'transaction position out of range for an event sequence', {
    height,
    position,
  });
  const sequence = height * EVENT_POSITIONS_PER_BLOCK + position;
  invariant(Number.isSafeInteger(sequence), 'event sequence beyond exact integers', { height, position });
  return sequence;
}
