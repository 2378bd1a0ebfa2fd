import { describe, expect, it } from 'vitest';
import { Inflights } from '../../../consensus/raft/inflights.ts';
import { Progress } from '../../../consensus/raft/progress.ts';

describe('raft progress and flow control', () => {
  it('the inflight window fills up and frees by acknowledged index', () => {
    const window = new Inflights(3);
    window.add(5);
    window.add(7);
    window.add(9);
    expect(window.full()).toBe(true);
    window.freeLE(7);
    expect(window.count()).toBe(1);
  });

  it('a replicating follower is paused only when its window is full', () => {
    const pr = new Progress(1, 2, false);
    pr.becomeReplicate();
    pr.sentEntries(3);
    expect(pr.isPaused()).toBe(false);
    pr.sentEntries(5);
    expect([pr.isPaused(), pr.next]).toEqual([true, 6]);
  });

  it('a probing follower gets one append at a time', () => {
    const pr = new Progress(4, 8, false);
    pr.sentEntries(6);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(6);
    expect(pr.isPaused()).toBe(false);
  });

  it('a stale rejection leaves a probing follower where it is', () => {
    const pr = new Progress(10, 8, false);
    expect(pr.maybeDecrTo(5, 3)).toBe(false);
    expect(pr.next).toBe(10);
    expect(pr.maybeDecrTo(9, 3)).toBe(true);
    expect(pr.next).toBe(4);
  });

  it('a rejection while replicating falls back to just after the match', () => {
    const pr = new Progress(1, 8, false);
    pr.maybeUpdate(4);
    pr.becomeReplicate();
    pr.sentEntries(9);
    expect(pr.maybeDecrTo(7, 0)).toBe(true);
    expect(pr.next).toBe(5);
  });

  it('a follower waiting for a snapshot resumes after the snapshot when probed again', () => {
    const pr = new Progress(1, 8, false);
    pr.becomeSnapshot(20);
    expect(pr.isPaused()).toBe(true);
    pr.becomeProbe();
    expect(pr.next).toBe(21);
  });
});
