import { describe, expect, it } from 'vitest';
import { SubscriberQueue } from '../../../consensus/channels/subscriber-queue.ts';
import type { CommittedEvent } from '../../../schemas/index.ts';
import { weatherEvent } from '../fixtures.ts';

const committed = (sequence: number): CommittedEvent => ({ sequence, event: weatherEvent({ id: `evt-${sequence}` }), height: sequence, txHash: `tx-${sequence}` });

describe('subscriber queue', () => {
  it('holds up to its capacity and hands events out in order', () => {
    const queue = new SubscriberQueue(3, 0);
    expect([1, 2, 3].map((s) => queue.offer(committed(s)))).toEqual(['queued', 'queued', 'queued']);
    expect([queue.take()?.sequence, queue.take()?.sequence, queue.take()?.sequence, queue.take()]).toEqual([1, 2, 3, undefined]);
  });

  it('overflows on the event past its capacity, frees what it held and refuses everything after', () => {
    const queue = new SubscriberQueue(2, 0);
    queue.offer(committed(1));
    queue.offer(committed(2));
    expect(queue.offer(committed(3))).toBe('overflow');
    expect(queue.overflowed).toBe(true);
    expect(queue.size).toBe(0);
    expect(queue.offer(committed(4))).toBe('overflow');
  });

  it('skips events at or before what the subscriber already has', () => {
    const queue = new SubscriberQueue(5, 10);
    expect(queue.offer(committed(9))).toBe('skipped');
    expect(queue.offer(committed(10))).toBe('skipped');
    queue.advanceTo(12);
    expect(queue.offer(committed(12))).toBe('skipped');
    expect(queue.offer(committed(13))).toBe('queued');
    expect(queue.offer(committed(13))).toBe('skipped');
  });

  it('a skipped event takes no room', () => {
    const queue = new SubscriberQueue(1, 5);
    for (let s = 1; s <= 5; s += 1) queue.offer(committed(s));
    expect(queue.offer(committed(6))).toBe('queued');
  });
});
