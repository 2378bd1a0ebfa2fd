import { afterEach, describe, expect, it, vi } from 'vitest';
import { PendingReads } from '../../../consensus/replicated/pending-reads.ts';
import { AppError } from '../../../runtime/errors.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('linearizable reads waiting on ReadIndex', () => {
  it('are answered once this node has applied the confirmed read point', async () => {
    const reads = new PendingReads('n1', 10, 1_000);
    const { ctx, point } = reads.open();
    reads.confirmed(ctx, 7);
    reads.appliedTo(6);
    expect(reads.size).toBe(1);
    reads.appliedTo(7);
    await expect(point).resolves.toBe(7);
    expect(reads.size).toBe(0);
  });

  it('are not answered before a leader confirmed a read point, however far this node applied', () => {
    const reads = new PendingReads('n1', 10, 1_000);
    reads.open().point.catch(() => {});
    reads.appliedTo(1_000);
    expect(reads.size).toBe(1);
    reads.failAll(new AppError('UNAVAILABLE', 'stop'));
  });

  it('fail with a retryable 503 when no leader confirms them in time', async () => {
    vi.useFakeTimers();
    const reads = new PendingReads('n1', 10, 500);
    const { point } = reads.open();
    const settled = point.catch((e: unknown) => e);
    vi.advanceTimersByTime(500);
    const error = await settled;
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
  });

  it('are refused beyond their bound instead of queueing without limit', () => {
    const reads = new PendingReads('n1', 1, 1_000);
    reads.open().point.catch(() => {});
    expect(() => reads.open()).toThrow(AppError);
    reads.failAll(new AppError('UNAVAILABLE', 'stop'));
  });

  it('have distinct contexts, so two reads are never confused', () => {
    const reads = new PendingReads('n1', 10, 1_000);
    const a = reads.open();
    const b = reads.open();
    a.point.catch(() => {});
    b.point.catch(() => {});
    expect(a.ctx).not.toBe(b.ctx);
    reads.failAll(new AppError('UNAVAILABLE', 'stop'));
  });

  it('can be failed one by one, leaving the others waiting', async () => {
    const reads = new PendingReads('n1', 10, 1_000);
    const a = reads.open();
    const b = reads.open();
    b.point.catch(() => {});
    reads.fail(a.ctx, new AppError('UNAVAILABLE', 'no leader'));
    await expect(a.point).rejects.toThrow('no leader');
    expect(reads.size).toBe(1);
    reads.failAll(new AppError('UNAVAILABLE', 'stop'));
  });
});
