import { describe, expect, it } from 'vitest';
import { isInvariantViolation } from '../../../consensus/invariant.ts';
import { Harness } from './harness.ts';

describe('raft Ready contract', () => {
  it('a vote comes in the same Ready as the hard state recording it, to be persisted before it is sent', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    const { term, lastIndex } = h.raw('n2').status();
    h.raw('n2').step({ type: 'vote', from: 'n1', to: 'n2', term: term + 1, lastLogIndex: lastIndex, lastLogTerm: h.raw('n2').term(lastIndex)! });
    const rd = h.raw('n2').ready();
    expect(rd.hardState).toMatchObject({ term: term + 1, vote: 'n1' });
    expect(rd.messages).toEqual([expect.objectContaining({ type: 'vote_resp', reject: false })]);
  });

  it('a follower acknowledges entries in the same Ready that hands them out for persisting', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.propose('n1', 'a');
    const leaderReady = h.raw('n1').ready();
    const append = leaderReady.messages.find((m) => m.type === 'append' && m.to === 'n2')!;
    h.raw('n2').step(append);
    const rd = h.raw('n2').ready();
    const ack = rd.messages.find((m) => m.type === 'append_resp');
    expect(ack).toMatchObject({ reject: false, index: rd.entries[rd.entries.length - 1]!.index });
  });

  it('a single voter commits its own entry only after advance reports it persisted', () => {
    const h = new Harness(['n1']);
    h.elect('n1');
    const index = h.propose('n1', 'a');
    const rd = h.raw('n1').ready();
    expect(rd.entries.map((e) => e.index)).toContain(index);
    expect(h.raw('n1').status().commit).toBeLessThan(index);
    h.node('n1').storage.append(rd.entries);
    h.raw('n1').advance(rd);
    expect(h.raw('n1').status().commit).toBe(index);
    expect(h.raw('n1').ready().committedEntries.map((e) => e.index)).toEqual([index]);
  });

  it('asking for a second Ready before advancing the first is an invariant violation', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.raw('n1').campaign();
    h.raw('n1').ready();
    let error: unknown;
    try {
      h.raw('n1').ready();
    } catch (e) {
      error = e;
    }
    expect(isInvariantViolation(error)).toBe(true);
  });

  it('a leader’s heartbeats can be taken while its previous Ready is being persisted; its appends wait for the next Ready', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    const { term } = h.raw('n1').status();
    h.propose('n1', 'a');
    h.raw('n1').ready(); // being persisted
    h.propose('n1', 'b');
    h.tick('n1');
    const taken = h.raw('n1').takeHeartbeats(term);
    expect(taken.map((m) => [m.type, m.to]).sort()).toEqual([
      ['heartbeat', 'n2'],
      ['heartbeat', 'n3'],
    ]);
    expect(h.raw('n1').takeHeartbeats(term)).toEqual([]);
  });

  it('a heartbeat of a term that is not durable yet stays for its Ready', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    const { term } = h.raw('n1').status();
    h.tick('n1');
    expect(h.raw('n1').takeHeartbeats(term - 1)).toEqual([]);
    expect(h.raw('n1').ready().messages.some((m) => m.type === 'heartbeat')).toBe(true);
  });

  it('a follower’s answer to a heartbeat can be taken at once', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    const { term } = h.raw('n2').status();
    h.raw('n2').step({ type: 'heartbeat', from: 'n1', to: 'n2', term, commit: 0, ctx: null });
    expect(h.raw('n2').takeHeartbeats(term)).toEqual([expect.objectContaining({ type: 'heartbeat_resp', to: 'n1', term })]);
  });

  it('nothing is ready for a node that has nothing to do', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    expect(h.raw('n2').hasReady()).toBe(false);
  });
});
