import { describe, expect, it } from 'vitest';
import { isInvariantViolation } from '../../../consensus/invariant.ts';
import { RaftLog } from '../../../consensus/raft/log.ts';
import { MemoryStorage, type Entry } from '../../../consensus/raft/index.ts';

const e = (index: number, term: number): Entry => ({ index, term, type: 'normal', data: new Uint8Array([index]) });

function logWithTerms(terms: number[]): RaftLog {
  const storage = new MemoryStorage();
  storage.append(terms.map((t, k) => e(k + 1, t)));
  return new RaftLog(storage);
}

describe('raft log', () => {
  it('a log with a later last term is more up to date, whatever its length', () => {
    const log = logWithTerms([1, 1, 1, 1]);
    expect(log.isUpToDate(2, 2)).toBe(true);
    expect(log.isUpToDate(10, 0)).toBe(false);
    expect(log.isUpToDate(3, 1)).toBe(false);
    expect(log.isUpToDate(4, 1)).toBe(true);
  });

  it('a conflict hint skips back past a whole divergent term', () => {
    const log = logWithTerms([1, 1, 2, 2, 2, 4]);
    expect(log.findConflictByTerm(6, 3)).toEqual({ index: 5, term: 2 });
    expect(log.findConflictByTerm(6, 1)).toEqual({ index: 2, term: 1 });
  });

  it('an append with a mismatched previous entry is refused', () => {
    const log = logWithTerms([1, 1]);
    expect(log.maybeAppend(2, 2, 0, [e(3, 2)])).toBeUndefined();
    expect(log.lastIndex()).toBe(2);
  });

  it('an append replaces the conflicting uncommitted suffix', () => {
    const log = logWithTerms([1, 1, 1]);
    expect(log.maybeAppend(1, 1, 0, [e(2, 2)])).toBe(2);
    expect([log.lastIndex(), log.term(2)]).toEqual([2, 2]);
  });

  it('an append that would rewrite a committed entry is an invariant violation', () => {
    const log = logWithTerms([1, 1, 1]);
    log.commitTo(3);
    let error: unknown;
    try {
      log.maybeAppend(1, 1, 3, [e(2, 2)]);
    } catch (err) {
      error = err;
    }
    expect(isInvariantViolation(error)).toBe(true);
  });

  it('a slice below the compacted prefix is null, so the leader sends a snapshot', () => {
    const storage = new MemoryStorage();
    storage.append([e(1, 1), e(2, 1), e(3, 1)]);
    storage.setHardState({ term: 1, vote: null, commit: 3 });
    storage.createSnapshot(2, { voters: ['a'], learners: [] }, new Uint8Array());
    storage.compact(2);
    const log = new RaftLog(storage);
    expect(log.slice(1, 4, 100)).toBeNull();
    expect(log.slice(3, 4, 100)?.map((x) => x.index)).toEqual([3]);
  });

  it('a restarted log resumes applying after its snapshot, not after its compaction point', () => {
    const storage = new MemoryStorage();
    storage.append([e(1, 1), e(2, 1), e(3, 1), e(4, 1)]);
    storage.setHardState({ term: 1, vote: null, commit: 4 });
    storage.createSnapshot(3, { voters: ['a'], learners: [] }, new Uint8Array());
    storage.compact(1);
    const log = new RaftLog(storage);
    expect(log.applied).toBe(3);
  });

  it('a size budget cuts a batch but always keeps its first entry', () => {
    const log = logWithTerms([1, 1, 1]);
    expect(log.slice(1, 4, 0)?.length).toBe(1);
    expect(log.slice(1, 4, 2)?.length).toBe(2);
  });
});
