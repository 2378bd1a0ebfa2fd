import { describe, expect, it } from 'vitest';
import { RaftError, type Message } from '../../../consensus/raft/index.ts';
import { Harness } from './harness.ts';

describe('raft log replication', () => {
  it('a proposal commits on a majority and every node applies it', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.propose('n1', 'a');
    h.stabilize();
    h.rounds(1, 'n1');
    for (const id of ['n1', 'n2', 'n3']) expect(h.appliedTexts(id)).toEqual(['a']);
  });

  it('a proposal commits with one follower down', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.isolate('n3');
    const index = h.propose('n1', 'a');
    h.stabilize();
    expect(h.raw('n1').status().commit).toBe(index);
  });

  it('a proposal does not commit without a majority', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.isolate('n1');
    const index = h.propose('n1', 'a');
    h.stabilize();
    expect(h.raw('n1').status().commit).toBeLessThan(index);
  });

  it('a leader does not commit an earlier term\'s entry by counting its replicas (Figure 8)', () => {
    // One entry per append message, so the old entry and the new leader's entry travel apart.
    const h = new Harness(['n1', 'n2', 'n3'], [], { preVote: false, checkQuorum: false, msgSizeBytesMax: 1 });
    h.elect('n1');
    h.isolate('n1');
    const oldIndex = h.propose('n1', 'xx');
    h.stabilize();
    // A vote request of a higher term that n1 refuses (its log is longer) makes n1 a follower again.
    const oldTerm = h.raw('n1').status().term;
    h.raw('n1').step({ type: 'vote', from: 'n3', to: 'n1', term: oldTerm + 1, lastLogIndex: 0, lastLogTerm: 0 });
    // n1 comes back leading a newer term; n2 may receive the old entry but nothing of the new term.
    const newTermEntryAfterOld = (m: Message): boolean => m.type === 'append' && m.entries.some((e) => e.term > oldTerm) && h.raw('n2').term(oldIndex) === oldTerm;
    h.drop = (m) => m.to === 'n3' || m.from === 'n3' || newTermEntryAfterOld(m);
    h.elect('n1');
    expect(h.raw('n1').status()).toMatchObject({ role: 'leader', term: oldTerm + 2 });
    expect(h.raw('n2').term(oldIndex)).toBe(oldTerm);
    expect(h.raw('n1').status().commit).toBeLessThan(oldIndex);
    // Once an entry of the leader's own term reaches the majority, both commit.
    h.heal();
    h.rounds(1, 'n1');
    expect(h.raw('n1').status().commit).toBe(oldIndex + 1);
    expect(h.appliedTexts('n2')).toEqual(['xx']);
  });

  it('a new leader overwrites a follower\'s conflicting uncommitted entries', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.isolate('n1');
    h.propose('n1', 'lost');
    h.stabilize();
    h.drop = (m) => m.from === 'n1' || m.to === 'n1';
    for (let k = 0; k < 30 && h.raw('n2').status().role !== 'leader'; k++) {
      h.tick('n2');
      h.tick('n3');
      h.stabilize();
    }
    const leader = ['n2', 'n3'].find((id) => h.raw(id).status().role === 'leader');
    expect(leader).toBeDefined();
    h.propose(leader!, 'kept');
    h.stabilize();
    h.heal();
    h.rounds(25, leader!, 'n1');
    expect(h.appliedTexts('n1')).toEqual(['kept']);
  });

  it('proposals made between two Readies go to each follower in one append', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    h.raw('n1').propose(new Uint8Array([1]));
    h.raw('n1').propose(new Uint8Array([2]), new Uint8Array([3]));
    const appends = h.raw('n1').ready().messages.filter((m) => m.type === 'append' && m.to === 'n2');
    expect(appends.map((m) => (m.type === 'append' ? m.entries.length : 0))).toEqual([3]);
  });

  it('appends to a follower are pipelined up to the inflight window, then wait', () => {
    const h = new Harness(['n1', 'n2', 'n3'], [], { inflightMsgsMax: 2 });
    h.elect('n1');
    h.drop = (m) => m.type === 'append_resp' && m.from === 'n2';
    const before = h.delivered.length;
    for (const text of ['a', 'b', 'c', 'd']) {
      h.propose('n1', text);
      h.stabilize();
    }
    const sent = h.delivered.slice(before).filter((m) => m.type === 'append' && m.to === 'n2' && m.entries.length > 0);
    expect(sent).toHaveLength(2);
    expect(h.raw('n1').progress().get('n2')).toMatchObject({ state: 'replicate', inflights: 2 });
  });

  it('a follower whose appends were all lost catches up after the next heartbeat', () => {
    const h = new Harness(['n1', 'n2', 'n3'], [], { inflightMsgsMax: 2 });
    h.elect('n1');
    h.drop = (m) => m.type === 'append' && m.to === 'n2';
    for (const text of ['a', 'b', 'c', 'd']) {
      h.propose('n1', text);
      h.stabilize();
    }
    h.heal();
    h.rounds(3, 'n1');
    expect(h.appliedTexts('n2')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('a proposal is refused once uncommitted data reaches the limit', () => {
    const h = new Harness(['n1', 'n2', 'n3'], [], { uncommittedSizeBytesMax: 8 });
    h.elect('n1');
    h.isolate('n1');
    h.raw('n1').propose(new Uint8Array(8));
    expect(() => h.raw('n1').propose(new Uint8Array(1))).toThrow(expect.objectContaining({ code: 'PROPOSAL_DROPPED' }));
  });

  it('a follower refuses a proposal and names the leader', () => {
    const h = new Harness(['n1', 'n2', 'n3']);
    h.elect('n1');
    let error: unknown;
    try {
      h.propose('n2', 'a');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RaftError);
    expect(error).toMatchObject({ code: 'NOT_LEADER', leaderId: 'n1' });
  });
});
