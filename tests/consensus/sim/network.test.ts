import { describe, expect, it } from 'vitest';
import type { Message } from '../../../consensus/raft/index.ts';
import { Network } from './network.ts';
import { Prng } from './prng.ts';

const heartbeat = (from: string, to: string): Message => ({ type: 'heartbeat', from, to, term: 1, commit: 0, ctx: null });

describe('simulated network', () => {
  it('a one-way cut loses messages in that direction only', () => {
    const net = new Network(new Prng(1));
    net.cutLink('a', 'b');
    net.send(heartbeat('a', 'b'), 0);
    net.send(heartbeat('b', 'a'), 0);
    expect(net.due(1).map((m) => `${m.from}>${m.to}`)).toEqual(['b>a']);
  });

  it('a message is not delivered before its delay', () => {
    const net = new Network(new Prng(1));
    net.faults = { dropP: 0, dupP: 0, delayRoundsMin: 3, delayRoundsMax: 3 };
    net.send(heartbeat('a', 'b'), 0);
    expect(net.due(2)).toEqual([]);
    expect(net.due(3)).toHaveLength(1);
  });

  it('random delays reorder messages on one link', () => {
    const net = new Network(new Prng(3));
    net.faults = { dropP: 0, dupP: 0, delayRoundsMin: 1, delayRoundsMax: 10 };
    for (let term = 1; term <= 20; term++) net.send({ ...heartbeat('a', 'b'), term }, 0);
    const terms = net.due(10).map((m) => m.term);
    expect(terms).toHaveLength(20);
    expect(terms).not.toEqual([...terms].sort((x, y) => x - y));
  });

  it('duplication delivers a message twice', () => {
    const net = new Network(new Prng(1));
    net.faults = { dropP: 0, dupP: 1, delayRoundsMin: 1, delayRoundsMax: 1 };
    net.send(heartbeat('a', 'b'), 0);
    expect(net.due(1)).toHaveLength(2);
  });

  it('the same seed gives the same sequence', () => {
    const a = new Prng(99);
    const b = new Prng(99);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });
});
