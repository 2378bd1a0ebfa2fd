import { describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

function leaderWithCommittedWrite(): Harness {
  const h = new Harness(['n1', 'n2', 'n3']);
  h.elect('n1');
  h.propose('n1', 'a');
  h.stabilize();
  return h;
}

describe('raft ReadIndex', () => {
  it('a leader answers a read at its commit index once a quorum acknowledges the heartbeat', () => {
    const h = leaderWithCommittedWrite();
    h.raw('n1').readIndex('r1');
    h.stabilize();
    expect(h.node('n1').readStates).toEqual([{ index: h.raw('n1').status().commit, ctx: 'r1' }]);
  });

  it('a leader does not answer a read before a quorum acknowledges a heartbeat', () => {
    const h = leaderWithCommittedWrite();
    h.drop = (m) => m.type === 'heartbeat_resp';
    h.raw('n1').readIndex('r1');
    h.stabilize();
    expect(h.node('n1').readStates).toEqual([]);
    h.heal();
    h.rounds(1, 'n1');
    expect(h.node('n1').readStates.map((r) => r.ctx)).toEqual(['r1']);
  });

  it('a leader cut off from the quorum never answers a read', () => {
    const h = leaderWithCommittedWrite();
    h.isolate('n1');
    h.raw('n1').readIndex('r1');
    h.rounds(30, 'n1');
    expect(h.node('n1').readStates).toEqual([]);
  });

  it('one acknowledging follower besides the leader is a quorum of three', () => {
    const h = leaderWithCommittedWrite();
    h.isolate('n3');
    h.raw('n1').readIndex('r1');
    h.stabilize();
    expect(h.node('n1').readStates.map((r) => r.ctx)).toEqual(['r1']);
  });

  it('a follower\'s read is confirmed by the leader and answered to the follower', () => {
    const h = leaderWithCommittedWrite();
    h.raw('n2').readIndex('r2');
    h.stabilize();
    expect(h.node('n2').readStates).toEqual([{ index: h.raw('n1').status().commit, ctx: 'r2' }]);
    expect(h.node('n1').readStates).toEqual([]);
  });

  it('a learner\'s acknowledgement does not count toward a read quorum', () => {
    const h = new Harness(['n1', 'n2', 'n3'], ['l1']);
    h.elect('n1');
    h.propose('n1', 'a');
    h.stabilize();
    h.drop = (m) => m.type === 'heartbeat_resp' && m.from !== 'l1';
    h.raw('n1').readIndex('r1');
    h.stabilize();
    expect(h.node('n1').readStates).toEqual([]);
  });

  it('a read with no known leader is refused at once', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    expect(() => h.raw('n1').readIndex('r1')).toThrow(expect.objectContaining({ code: 'READ_INDEX_DROPPED' }));
  });
});
