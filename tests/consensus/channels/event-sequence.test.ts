import { describe, expect, it } from 'vitest';
import { EVENT_POSITIONS_PER_BLOCK, eventSequence } from '../../../consensus/storage/event-sequence.ts';

describe('committed event sequence', () => {
  it('orders events by height, then by place in the block', () => {
    const order = [eventSequence(1, 0), eventSequence(1, 5), eventSequence(2, 0), eventSequence(10, EVENT_POSITIONS_PER_BLOCK - 1), eventSequence(11, 0)];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(new Set(order).size).toBe(order.length);
  });

  it('refuses a position that would run into the next block', () => {
    expect(() => eventSequence(3, EVENT_POSITIONS_PER_BLOCK)).toThrow();
    expect(() => eventSequence(3, -1)).toThrow();
  });
});
