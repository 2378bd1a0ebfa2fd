import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftStorageError, SqlRaftStorage } from '../../../consensus/raft-storage/index.ts';
import type { Entry } from '../../../consensus/raft/index.ts';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { uniqueSchema } from '../../support/databases.ts';
import { pgliteDir } from './pglite-dir.ts';

const run = (from: number, to: number, term: number): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, k) => ({ index: from + k, term, type: 'normal', data: Uint8Array.from([from + k]) }));

const codeOf = async (work: Promise<unknown>): Promise<string | undefined> => {
  try {
    await work;
  } catch (err) {
    return err instanceof RaftStorageError ? err.code : 'not a RaftStorageError';
  }
  return undefined;
};

describe('raft storage on a database', () => {
  const dir = pgliteDir('raft-sql');
  let database: OpenDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });
  const openFresh = async () => {
    database = await openDatabase({ part: 'consensus', dataDir: dir.path, schema: uniqueSchema('raft_sql') });
    return database;
  };

  it('after a failed write it refuses every later write and keeps what it had', async () => {
    const { db } = await openFresh();
    const storage = await SqlRaftStorage.open(db);
    await storage.persist({ entries: run(1, 3, 1) });
    await db.execute(sql`alter table raft_entries rename to raft_entries_away`);
    expect(await codeOf(storage.persist({ entries: run(4, 5, 1) }))).toBe('RAFT_STORAGE_WRITE_FAILED');
    await db.execute(sql`alter table raft_entries_away rename to raft_entries`);
    // The table is back, but what the core was told may now disagree with the disk: only a restart is safe.
    expect(await codeOf(storage.persist({ entries: run(4, 5, 1) }))).toBe('RAFT_STORAGE_WRITE_FAILED');
    expect([storage.lastIndex(), (await SqlRaftStorage.open(db)).lastIndex()]).toEqual([3, 3]);
  });

  it('refuses a write when more than writesPendingMax are already waiting', async () => {
    const { db } = await openFresh();
    const storage = await SqlRaftStorage.open(db, { writesPendingMax: 1 });
    const first = storage.persist({ entries: run(1, 1, 1) });
    expect(await codeOf(storage.persist({ entries: run(2, 2, 1) }))).toBe('RAFT_STORAGE_BUSY');
    await first;
    expect(storage.lastIndex()).toBe(1);
  });

  it('refuses writes once closed', async () => {
    const { db } = await openFresh();
    const storage = await SqlRaftStorage.open(db);
    await storage.close();
    expect(await codeOf(storage.persist({ entries: run(1, 1, 1) }))).toBe('RAFT_STORAGE_CLOSED');
  });

  it('writes a batch of entries as one row each', async () => {
    const { db } = await openFresh();
    const storage = await SqlRaftStorage.open(db);
    await storage.persist({ entries: run(1, 40, 1), hardState: { term: 1, vote: null, commit: 40 } });
    const result: unknown = await db.execute(sql`select count(*)::int as n from raft_entries`);
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { n: number }[];
    expect(rows[0]?.n).toBe(40);
  });
});
