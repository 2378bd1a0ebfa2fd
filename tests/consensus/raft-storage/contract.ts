import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isInvariantViolation } from '../../../consensus/invariant.ts';
import { bootstrapState, type Entry, type Snapshot } from '../../../consensus/raft/index.ts';
import type { PersistentRaftStorage } from '../../../consensus/raft-storage/index.ts';

/** One node's storage; open() again after close() is a restart of that node. */
export interface RaftStorageTarget {
  open(): Promise<{ storage: PersistentRaftStorage; close(): Promise<void> }>;
  destroy(): Promise<void>;
}

const conf = { voters: ['a', 'b', 'c'], learners: ['d'] };
const bytes = (index: number, term: number, sizeBytes = 16) => Uint8Array.from({ length: sizeBytes }, (_, k) => (index * 31 + term * 7 + k) & 0xff);
const entry = (index: number, term: number, sizeBytes = 16): Entry => ({ index, term, type: 'normal', data: bytes(index, term, sizeBytes) });
const run = (from: number, to: number, term: number) => Array.from({ length: to - from + 1 }, (_, k) => entry(from + k, term));
const snapshotAt = (index: number, term: number): Snapshot => ({ meta: { index, term, conf }, data: Uint8Array.from([index, term, 42]) });

async function refusal(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The durable Raft storage contract: the same suite for every backend. */
export function raftStorageContract(backend: string, makeTarget: () => RaftStorageTarget): void {
  describe(`raft storage on ${backend}`, () => {
    let target: RaftStorageTarget;
    const opened: { close(): Promise<void> }[] = [];
    const open = async () => {
      const o = await target.open();
      opened.push(o);
      return o.storage;
    };
    /** Closes everything open and opens the node's storage again, as a restart does. */
    const reopen = async () => {
      for (const o of opened.splice(0)) await o.close();
      return open();
    };

    beforeEach(() => {
      target = makeTarget();
    });
    afterEach(async () => {
      for (const o of opened.splice(0)) await o.close();
      await target.destroy();
    });

    it('a new storage holds an empty log and an empty hard state', async () => {
      const s = await open();
      expect([s.firstIndex(), s.lastIndex(), s.term(0), s.term(1)]).toEqual([1, 0, 0, undefined]);
      expect(s.initialState().hardState).toEqual({ term: 0, vote: null, commit: 0 });
    });

    it('appended entries read back with their terms, types and bytes', async () => {
      const s = await open();
      const written = [...run(1, 3, 1), { index: 4, term: 2, type: 'conf_change', data: Uint8Array.from([9, 8]) } satisfies Entry];
      await s.persist({ entries: written });
      expect(s.entries(1, 5, Infinity)).toEqual(written);
      expect((await reopen()).entries(1, 5, Infinity)).toEqual(written);
    });

    it('an append over existing entries replaces the conflicting suffix', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 5, 1) });
      await s.persist({ entries: run(3, 4, 2) });
      const expected = [...run(1, 2, 1), ...run(3, 4, 2)];
      expect(s.entries(1, s.lastIndex() + 1, Infinity)).toEqual(expected);
      const again = await reopen();
      expect(again.entries(1, again.lastIndex() + 1, Infinity)).toEqual(expected);
    });

    it('an append that would leave a gap is refused and changes nothing', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 2, 1) });
      expect(isInvariantViolation(await refusal(() => s.persist({ entries: run(4, 5, 1) })))).toBe(true);
      expect([s.lastIndex(), (await reopen()).lastIndex()]).toEqual([2, 2]);
    });

    it('a write that would replace a committed entry is refused', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 4, 1), hardState: { term: 1, vote: 'a', commit: 3 } });
      expect(isInvariantViolation(await refusal(() => s.persist({ entries: run(3, 4, 2) })))).toBe(true);
      expect(s.term(3)).toBe(1);
    });

    it('the hard state survives a reopen', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 3, 2), hardState: { term: 2, vote: 'b', commit: 2 } });
      await s.persist({ hardState: { term: 3, vote: null, commit: 3 } });
      expect((await reopen()).initialState().hardState).toEqual({ term: 3, vote: null, commit: 3 });
    });

    it('the founding state written by a new group survives a reopen', async () => {
      const s = await open();
      const boot = bootstrapState(conf);
      await s.persist(boot);
      const again = await reopen();
      expect(again.entries(1, again.lastIndex() + 1, Infinity)).toEqual(boot.entries);
      expect(again.initialState().hardState).toEqual(boot.hardState);
    });

    it('entries stop once their data passes sizeBytesMax, but always include the first', async () => {
      const s = await open();
      await s.persist({ entries: [entry(1, 1, 100), entry(2, 1, 100), entry(3, 1, 100)] });
      expect(s.entries(1, 4, 250).map((e) => e.index)).toEqual([1, 2]);
      expect(s.entries(1, 4, 10).map((e) => e.index)).toEqual([1]);
      expect(s.entries(2, 3, Infinity).map((e) => e.index)).toEqual([2]);
    });

    it('term() answers from the index before the first entry to the last, and nothing outside', async () => {
      const s = await open();
      await s.persist({ entries: [...run(1, 3, 1), ...run(4, 6, 2)], hardState: { term: 2, vote: null, commit: 6 } });
      await s.createSnapshot(3, conf, new Uint8Array());
      await s.compact(3);
      expect([2, 3, 4, 6, 7].map((i) => s.term(i))).toEqual([undefined, 1, 2, 2, undefined]);
    });

    it('a received snapshot replaces the log and survives a reopen', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 5, 1), hardState: { term: 1, vote: null, commit: 2 } });
      const snap = snapshotAt(10, 3);
      await s.persist({ snapshot: snap, hardState: { term: 3, vote: null, commit: 10 } });
      const state = (t: PersistentRaftStorage) => [t.firstIndex(), t.lastIndex(), t.term(10), t.snapshot()];
      expect(state(s)).toEqual([11, 10, 3, snap]);
      expect(state(await reopen())).toEqual([11, 10, 3, snap]);
    });

    it('entries after a received snapshot in the same write follow it', async () => {
      const s = await open();
      await s.persist({ snapshot: snapshotAt(10, 3), entries: run(9, 12, 3), hardState: { term: 3, vote: null, commit: 10 } });
      const again = await reopen();
      expect([again.firstIndex(), again.lastIndex()]).toEqual([11, 12]);
      expect(again.entries(11, 13, Infinity)).toEqual(run(11, 12, 3));
    });

    it('a snapshot older than the one held is ignored', async () => {
      const s = await open();
      await s.persist({ snapshot: snapshotAt(10, 3), hardState: { term: 3, vote: null, commit: 10 } });
      await s.persist({ snapshot: snapshotAt(7, 2) });
      expect((await reopen()).snapshot().meta.index).toBe(10);
    });

    it('a snapshot taken locally keeps the entries until they are compacted', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 6, 1), hardState: { term: 1, vote: null, commit: 5 } });
      await s.createSnapshot(4, conf, Uint8Array.from([4]));
      const again = await reopen();
      expect([again.firstIndex(), again.lastIndex(), again.snapshot().meta]).toEqual([1, 6, { index: 4, term: 1, conf }]);
      expect(again.snapshot().data).toEqual(Uint8Array.from([4]));
    });

    it('compaction drops entries up to its index and the reopened log starts after it', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 6, 1), hardState: { term: 1, vote: null, commit: 6 } });
      await s.createSnapshot(5, conf, new Uint8Array());
      await s.compact(3);
      const again = await reopen();
      expect([again.firstIndex(), again.lastIndex(), again.term(3), again.snapshot().meta.index]).toEqual([4, 6, 1, 5]);
      expect(again.entries(4, 7, Infinity)).toEqual(run(4, 6, 1));
    });

    it('compaction beyond the snapshot is refused', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 6, 1), hardState: { term: 1, vote: null, commit: 6 } });
      await s.createSnapshot(2, conf, new Uint8Array());
      expect(isInvariantViolation(await refusal(() => s.compact(4)))).toBe(true);
      expect(s.firstIndex()).toBe(1);
    });

    it('a snapshot of an uncommitted index is refused', async () => {
      const s = await open();
      await s.persist({ entries: run(1, 6, 1), hardState: { term: 1, vote: null, commit: 2 } });
      expect(isInvariantViolation(await refusal(() => s.createSnapshot(4, conf, new Uint8Array())))).toBe(true);
    });
  });
}
