import { describe, expect, it } from 'vitest';
import { PeerQueue, wireBytesEstimate } from '../../../consensus/transport/peer-queue.ts';
import { appendMessage } from './arbitraries.ts';
import { heartbeat } from './support.ts';

const limits = { queueBytesMax: 10_000, queueMessagesMax: 100, batchBytesMax: 4_000, batchMessagesMax: 50 };
const KIB = 1024;

describe('peer queue', () => {
  it('an append is estimated at least at its entry bytes', () => {
    expect(wireBytesEstimate(appendMessage('v1', 'v2', 1, 10, KIB))).toBeGreaterThanOrEqual(10 * KIB);
  });

  it('a message that would pass the byte bound is refused and the queue keeps what it had', () => {
    const q = new PeerQueue(limits);
    // About 2.3 KB each: four fit under 10,000 bytes, a fifth does not.
    for (let i = 0; i < 4; i++) expect(q.offer(appendMessage('v1', 'v2', i, 2, KIB))).toBe(true);
    expect(q.offer(appendMessage('v1', 'v2', 9, 2, KIB))).toBe(false);
    expect(q.length).toBe(4);
  });

  it('an empty queue takes one message larger than the byte bound, so a big snapshot can still go', () => {
    const q = new PeerQueue(limits);
    expect(q.offer(appendMessage('v1', 'v2', 1, 1, 50 * KIB))).toBe(true);
    expect(q.takeBatch()).toHaveLength(1);
  });

  it('a message past the count bound is refused', () => {
    const q = new PeerQueue({ ...limits, queueMessagesMax: 2 });
    expect([q.offer(heartbeat('v1', 'v2', 1)), q.offer(heartbeat('v1', 'v2', 2)), q.offer(heartbeat('v1', 'v2', 3))]).toEqual([true, true, false]);
  });

  it('a batch stops before the message that would pass the batch byte bound, and the rest follow in order', () => {
    const q = new PeerQueue(limits);
    const sent = [1, 2, 3, 4, 5].map((i) => appendMessage('v1', 'v2', i, 1, KIB));
    for (const m of sent) q.offer(m);
    const first = q.takeBatch();
    const second = q.takeBatch();
    const third = q.takeBatch();
    expect(first.length).toBeGreaterThan(0);
    expect([...first, ...second, ...third]).toEqual(sent);
    expect(first.length).toBeLessThan(sent.length);
    expect(q.length).toBe(0);
    expect(q.bytes).toBe(0);
  });

  it('a batch holds at most the batch message bound', () => {
    const q = new PeerQueue({ ...limits, batchMessagesMax: 4 });
    for (let i = 0; i < 10; i++) q.offer(heartbeat('v1', 'v2', i));
    expect([q.takeBatch().length, q.takeBatch().length, q.takeBatch().length, q.takeBatch().length]).toEqual([4, 4, 2, 0]);
  });

  it('clearing answers how many were dropped and frees the bounds', () => {
    const q = new PeerQueue({ ...limits, queueMessagesMax: 2 });
    q.offer(heartbeat('v1', 'v2', 1));
    q.offer(heartbeat('v1', 'v2', 2));
    expect(q.clear()).toBe(2);
    expect(q.offer(heartbeat('v1', 'v2', 3))).toBe(true);
  });

  it('order survives many takes across the internal compaction', () => {
    const q = new PeerQueue({ ...limits, queueMessagesMax: 10_000, queueBytesMax: 10_000_000, batchMessagesMax: 3 });
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.offer(heartbeat('v1', 'v2', i));
      if (i % 2 === 0) for (const m of q.takeBatch()) out.push(m.type === 'heartbeat' ? m.commit : -1);
    }
    while (q.length > 0) for (const m of q.takeBatch()) out.push(m.type === 'heartbeat' ? m.commit : -1);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});
