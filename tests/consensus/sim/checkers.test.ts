import { describe, expect, it } from 'vitest';
import { MemoryStorage, RawNode, bootstrapState, type Entry } from '../../../consensus/raft/index.ts';
import { SafetyChecker, SafetyViolation } from './checkers.ts';
import { Prng } from './prng.ts';

const entry = (index: number, term: number, text: string): Entry => ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });

function leaderNode(id: string): RawNode {
  const storage = new MemoryStorage();
  const boot = bootstrapState({ voters: [id], learners: [] });
  storage.append(boot.entries);
  storage.setHardState(boot.hardState);
  const raw = new RawNode(storage, { id }, new Prng(1));
  raw.advance(raw.ready());
  raw.campaign();
  return raw;
}

describe('simulation safety checkers', () => {
  it('two leaders of one term break election safety', () => {
    const checker = new SafetyChecker();
    const a = leaderNode('a');
    const b = leaderNode('b');
    checker.afterStep('a', a);
    expect(() => checker.afterStep('b', b)).toThrow(SafetyViolation);
  });

  it('two different entries at one index and term break log matching', () => {
    const checker = new SafetyChecker();
    const raw = leaderNode('a');
    checker.onPersist('a', raw, [entry(10, 3, 'x')]);
    expect(() => checker.onPersist('b', raw, [entry(10, 3, 'y')])).toThrow(/log matching/);
  });

  it('two different entries applied at one index break state machine safety', () => {
    const checker = new SafetyChecker();
    checker.onApply('a', entry(5, 2, 'x'), 1);
    expect(() => checker.onApply('b', entry(5, 3, 'y'), 1)).toThrow(/state machine safety/);
  });

  it('the same entry reaching a different state breaks state machine safety', () => {
    const checker = new SafetyChecker();
    checker.onApply('a', entry(5, 2, 'x'), 1);
    expect(() => checker.onApply('b', entry(5, 2, 'x'), 2)).toThrow(/state machine safety/);
  });

  it('a new leader missing an applied entry breaks leader completeness', () => {
    const checker = new SafetyChecker();
    const raw = leaderNode('a');
    checker.onApply('z', entry(raw.status().lastIndex + 5, 1, 'x'), 1);
    expect(() => checker.afterStep('a', raw)).toThrow(/leader completeness/);
  });
});
