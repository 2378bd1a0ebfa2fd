import { describe, expect, it } from 'vitest';
import { randomizedElectionTicks } from '../../../consensus/raft/election.ts';
import { Prng } from '../sim/prng.ts';
import { Harness } from './harness.ts';

describe('raft election', () => {
  it('a follower that hears no leader campaigns after its timeout and wins with a majority', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    for (let k = 0; k < 20 && h.leaderId() === undefined; k++) {
      h.tick('n1');
      h.stabilize();
    }
    expect(h.raw('n1').status().role).toBe('leader');
    expect(h.raw('n2').status().lead).toBe('n1');
    expect(h.raw('n3').status().lead).toBe('n1');
  });

  it('randomized election timeouts stay within one to two election timeouts', () => {
    const random = new Prng(7);
    const ticks = Array.from({ length: 1000 }, () => randomizedElectionTicks(random, 10));
    expect(Math.min(...ticks)).toBe(10);
    expect(Math.max(...ticks)).toBe(19);
  });

  it('a candidate cut off from the others does not become leader', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.isolate('n1');
    expect(h.elect('n1')).not.toBe('leader');
  });

  it('a pre-vote that fails leaves the term unchanged', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    const term = h.raw('n1').status().term;
    h.isolate('n1');
    h.elect('n1');
    expect(h.raw('n1').status().term).toBe(term);
  });

  it('a node grants one vote per term', () => {
    const h = new Harness(['n1', 'n2', 'n3'], [], { preVote: false, checkQuorum: false });
    const { term, lastIndex } = h.raw('n3').status();
    const lastLogTerm = h.raw('n3').term(lastIndex)!;
    h.raw('n3').step({ type: 'vote', from: 'n1', to: 'n3', term: term + 1, lastLogIndex: lastIndex, lastLogTerm });
    h.raw('n3').step({ type: 'vote', from: 'n2', to: 'n3', term: term + 1, lastLogIndex: lastIndex, lastLogTerm });
    const answers = h.raw('n3').ready().messages;
    expect(answers.map((m) => m.type === 'vote_resp' && [m.to, m.reject])).toEqual([
      ['n1', false],
      ['n2', true],
    ]);
  });

  it('a candidate whose log is behind a voter\'s does not get its vote', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    expect(h.elect('n1')).toBe('leader');
    h.propose('n1', 'x');
    h.isolate('n3');
    h.stabilize();
    h.heal();
    h.drop = (m) => m.from === 'n1' || m.to === 'n1';
    expect(h.elect('n3')).not.toBe('leader');
  });

  it('without pre-vote and check-quorum a rejoining node deposes a healthy leader', () => {
    const h = new Harness(['n1', 'n2', 'n3'], [], { preVote: false, checkQuorum: false });
    expect(h.elect('n1')).toBe('leader');
    h.isolate('n3');
    for (let k = 0; k < 3; k++) h.elect('n3');
    h.heal();
    h.elect('n3');
    expect(h.raw('n1').status().role).not.toBe('leader');
    expect(h.raw('n1').status().term).toBeGreaterThan(1);
  });

  it('with pre-vote a rejoining node neither raises the term nor deposes the leader', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    expect(h.elect('n1')).toBe('leader');
    const term = h.raw('n1').status().term;
    h.isolate('n3');
    for (let k = 0; k < 3; k++) h.elect('n3');
    h.heal();
    h.elect('n3');
    h.rounds(1, 'n1');
    expect(h.raw('n1').status()).toMatchObject({ role: 'leader', term });
    expect(h.raw('n3').status()).toMatchObject({ lead: 'n1', term });
  });

  it('a follower ignores a vote request while its leader is live (check-quorum lease)', () => {
    const h = new Harness(['n1', 'n2', 'n3'], [], { preVote: false });
    expect(h.elect('n1')).toBe('leader');
    const term = h.raw('n2').status().term;
    h.raw('n2').step({ type: 'vote', from: 'n3', to: 'n2', term: term + 1, lastLogIndex: 100, lastLogTerm: term });
    expect(h.raw('n2').status()).toMatchObject({ term, lead: 'n1' });
    expect(h.raw('n2').ready().messages).toEqual([]);
  });

  it('a leader that hears from no quorum steps down within two election timeouts (check-quorum)', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    expect(h.elect('n1')).toBe('leader');
    h.isolate('n1');
    h.rounds(20, 'n1');
    expect(h.raw('n1').status().role).toBe('follower');
  });

  it('a leader that hears from a quorum keeps leading past many election timeouts', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    expect(h.elect('n1')).toBe('leader');
    h.isolate('n3');
    h.rounds(50, 'n1');
    expect(h.raw('n1').status().role).toBe('leader');
  });

  it('a single voter elects itself at once', () => {
    const h = new Harness(['n1']);
    expect(h.elect('n1')).toBe('leader');
  });
});
