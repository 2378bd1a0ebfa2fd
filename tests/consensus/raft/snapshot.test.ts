import { describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

/** n3 misses ten writes, then the leader snapshots and compacts past them. */
function laggingFollowerBehindCompaction(): { h: Harness; snapshotIndex: number } {
  const h = new Harness(['n1', 'n2', 'n3']);
  h.elect('n1');
  h.isolate('n3');
  for (let k = 0; k < 10; k++) h.propose('n1', `w${k}`);
  h.stabilize();
  const leader = h.node('n1');
  const snapshotIndex = h.raw('n1').status().applied;
  leader.storage.createSnapshot(snapshotIndex, h.raw('n1').status().conf, new TextEncoder().encode('state'));
  leader.storage.compact(snapshotIndex);
  return { h, snapshotIndex };
}

describe('raft snapshots', () => {
  it('a follower behind the compacted log receives the leader\'s snapshot', () => {
    const { h, snapshotIndex } = laggingFollowerBehindCompaction();
    h.heal();
    h.rounds(3, 'n1');
    expect(h.node('n3').storage.snapshot().meta.index).toBe(snapshotIndex);
    expect(new TextDecoder().decode(h.node('n3').storage.snapshot().data)).toBe('state');
    expect(h.raw('n3').status().applied).toBe(snapshotIndex);
  });

  it('a follower replicates normally after installing a snapshot', () => {
    const { h } = laggingFollowerBehindCompaction();
    h.heal();
    h.rounds(3, 'n1');
    h.propose('n1', 'after');
    h.stabilize();
    expect(h.appliedTexts('n3')).toEqual(['after']);
    expect(h.raw('n1').progress().get('n3')?.state).toBe('replicate');
  });

  it('a lost snapshot is sent again after the acknowledgement timeout', () => {
    const { h, snapshotIndex } = laggingFollowerBehindCompaction();
    let dropped = 0;
    h.drop = (m) => m.type === 'snapshot' && dropped++ === 0;
    h.rounds(80, 'n1');
    expect(dropped).toBeGreaterThan(1);
    expect(h.raw('n3').status().applied).toBe(snapshotIndex);
  });

  it('a snapshot older than the follower\'s commit index changes nothing', () => {
    const { h, snapshotIndex } = laggingFollowerBehindCompaction();
    h.heal();
    h.stabilize();
    const snapshot = h.node('n1').storage.snapshot();
    h.propose('n1', 'later');
    h.stabilize();
    const before = h.raw('n2').status();
    h.raw('n2').step({ type: 'snapshot', from: 'n1', to: 'n2', term: before.term, snapshot });
    expect(h.raw('n2').status()).toEqual(before);
    expect(snapshot.meta.index).toBe(snapshotIndex);
  });
});
