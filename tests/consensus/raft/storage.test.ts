import { describe, expect, it } from 'vitest';
import { isInvariantViolation } from '../../../consensus/invariant.ts';
import { MemoryStorage, type Entry } from '../../../consensus/raft/index.ts';

const e = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array() });
const conf = { voters: ['a'], learners: [] };

function storageWith(n: number): MemoryStorage {
  const s = new MemoryStorage();
  s.append(Array.from({ length: n }, (_, k) => e(k + 1, 1)));
  s.setHardState({ term: 1, vote: null, commit: n });
  return s;
}

describe('raft in-memory storage', () => {
  it('compaction keeps the snapshot\'s term for the entry before the first', () => {
    const s = storageWith(5);
    s.createSnapshot(3, conf, new Uint8Array());
    s.compact(3);
    expect([s.firstIndex(), s.lastIndex(), s.term(3), s.term(2)]).toEqual([4, 5, 1, undefined]);
  });

  it('an append over existing entries truncates the conflicting suffix', () => {
    const s = storageWith(5);
    s.append([e(3, 2)]);
    expect([s.lastIndex(), s.term(3)]).toEqual([3, 2]);
  });

  it('a snapshot of an uncommitted index is an invariant violation', () => {
    const s = storageWith(5);
    s.setHardState({ term: 1, vote: null, commit: 2 });
    let error: unknown;
    try {
      s.createSnapshot(4, conf, new Uint8Array());
    } catch (err) {
      error = err;
    }
    expect(isInvariantViolation(error)).toBe(true);
  });

  it('applying a received snapshot replaces the log', () => {
    const s = storageWith(5);
    s.applySnapshot({ meta: { index: 10, term: 3, conf }, data: new Uint8Array([1]) });
    expect([s.firstIndex(), s.lastIndex(), s.term(10)]).toEqual([11, 10, 3]);
  });

  it('an older snapshot than the one held is ignored', () => {
    const s = storageWith(5);
    s.applySnapshot({ meta: { index: 10, term: 3, conf }, data: new Uint8Array() });
    s.applySnapshot({ meta: { index: 7, term: 2, conf }, data: new Uint8Array() });
    expect(s.snapshot().meta.index).toBe(10);
  });
});
