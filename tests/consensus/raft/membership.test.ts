import { describe, expect, it } from 'vitest';
import { Harness } from './harness.ts';

describe('raft membership changes', () => {
  it('an added learner catches up and applies the log', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.propose('n1', 'before');
    h.addBlankNode('l1');
    h.raw('n1').proposeConfChange({ type: 'add_learner', nodeId: 'l1' });
    h.rounds(3, 'n1');
    expect(h.raw('n1').status().conf.learners).toEqual(['l1']);
    expect(h.appliedTexts('l1')).toEqual(['before']);
    expect(h.raw('l1').status().conf).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['l1'] });
  });

  it('a learner\'s acknowledgement does not count toward commit', () => {
    const h = new Harness(['n1', 'n2', 'n3'], ['l1']);
    h.elect('n1');
    h.isolate('n2', 'n3');
    const index = h.propose('n1', 'a');
    h.stabilize();
    expect(h.raw('l1').status().lastIndex).toBe(index);
    expect(h.raw('n1').status().commit).toBeLessThan(index);
  });

  it('a learner never campaigns', () => {
    const h = new Harness(['n1', 'n2', 'n3'], ['l1']);
    for (let k = 0; k < 100; k++) h.tick('l1');
    expect(h.raw('l1').ready().messages).toEqual([]);
    expect(h.raw('l1').status().role).toBe('follower');
  });

  it('a learner\'s vote is not counted', () => {
    const h = new Harness(['n1', 'n2', 'n3'], ['l1']);
    h.drop = (m) => m.to === 'n2' || m.to === 'n3';
    h.raw('n1').campaign();
    h.raw('n1').step({ type: 'pre_vote_resp', from: 'l1', to: 'n1', term: 1, reject: false });
    h.stabilize();
    expect(h.raw('n1').status().role).not.toBe('leader');
  });

  it('a promoted learner votes and counts toward commit', () => {
    const h = new Harness(['n1', 'n2', 'n3'], ['l1']);
    h.elect('n1');
    h.raw('n1').proposeConfChange({ type: 'promote_learner', nodeId: 'l1' });
    h.rounds(3, 'n1');
    expect(h.raw('n1').status().conf.voters).toEqual(['l1', 'n1', 'n2', 'n3']);
    // Four voters need three: the leader, l1 and n2.
    h.isolate('n3');
    const index = h.propose('n1', 'a');
    h.stabilize();
    expect(h.raw('n1').status().commit).toBe(index);
    h.drop = (m) => ['n2', 'n3'].includes(m.to) || ['n2', 'n3'].includes(m.from);
    const blocked = h.propose('n1', 'b');
    h.stabilize();
    expect(h.raw('n1').status().commit).toBeLessThan(blocked);
  });

  it('removing a voter shrinks the quorum', () => {
    const h = new Harness(['n1', 'n2', 'n3', 'n4']);
    h.elect('n1');
    h.raw('n1').proposeConfChange({ type: 'remove_node', nodeId: 'n4' });
    h.rounds(3, 'n1');
    expect(h.raw('n1').status().conf.voters).toEqual(['n1', 'n2', 'n3']);
    h.isolate('n3', 'n4');
    const index = h.propose('n1', 'a');
    h.stabilize();
    expect(h.raw('n1').status().commit).toBe(index);
  });

  it('a leader that removes itself steps down and the others elect a new leader', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.raw('n1').proposeConfChange({ type: 'remove_node', nodeId: 'n1' });
    h.rounds(3, 'n1');
    expect(h.raw('n1').status().role).toBe('follower');
    for (let k = 0; k < 40 && !['n2', 'n3'].some((id) => h.raw(id).status().role === 'leader'); k++) {
      h.tick('n2');
      h.tick('n3');
      h.stabilize();
    }
    const leader = ['n2', 'n3'].find((id) => h.raw(id).status().role === 'leader');
    expect(leader).toBeDefined();
    expect(h.raw(leader!).status().conf.voters).toEqual(['n2', 'n3']);
  });

  it('a second membership change is refused while the first is not applied', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.isolate('n1');
    h.raw('n1').proposeConfChange({ type: 'add_learner', nodeId: 'l1' });
    expect(() => h.raw('n1').proposeConfChange({ type: 'add_learner', nodeId: 'l2' })).toThrow(expect.objectContaining({ code: 'CONF_CHANGE_PENDING' }));
  });

  it('promoting a node that is not a learner is refused', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    expect(() => h.raw('n1').proposeConfChange({ type: 'promote_learner', nodeId: 'x' })).toThrow(expect.objectContaining({ code: 'CONF_CHANGE_INVALID' }));
  });

  it('removing the last voter is refused', () => {
    const h = new Harness(['n1']);
    h.elect('n1');
    h.stabilize();
    expect(() => h.raw('n1').proposeConfChange({ type: 'remove_node', nodeId: 'n1' })).toThrow(expect.objectContaining({ code: 'CONF_CHANGE_INVALID' }));
  });

  it('a restarted node rebuilds its membership from its snapshot and log', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.addBlankNode('l1');
    h.raw('n1').proposeConfChange({ type: 'add_learner', nodeId: 'l1' });
    h.rounds(3, 'n1');
    const storage = h.node('n2').storage;
    const applied = h.raw('n2').status().applied;
    const restarted = h.restart('n2', applied);
    expect(restarted.status().conf).toEqual({ voters: ['n1', 'n2', 'n3'], learners: ['l1'] });
    expect(storage.lastIndex()).toBeGreaterThanOrEqual(applied);
  });
});
