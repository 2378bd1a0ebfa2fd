import { describe } from 'vitest';
import { MemoryPersistentStorage, SqlRaftStorage } from '../../../consensus/raft-storage/index.ts';
import { openDatabase, type DatabaseOptions } from '../../../db/client.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../../support/databases.ts';
import { raftStorageContract, type RaftStorageTarget } from './contract.ts';
import { pgliteDir } from './pglite-dir.ts';

function sqlTarget(options: Omit<DatabaseOptions, 'part'>, destroy: () => Promise<void>): RaftStorageTarget {
  return {
    open: async () => {
      const database = await openDatabase({ part: 'consensus', ...options });
      const storage = await SqlRaftStorage.open(database.db);
      return {
        storage,
        close: async () => {
          await storage.close();
          await database.close();
        },
      };
    },
    destroy,
  };
}

raftStorageContract('memory', () => {
  // The MemoryStorage plays the disk: a reopen hands back the same one.
  const disk = new MemoryPersistentStorage();
  return { open: async () => ({ storage: disk, close: async () => {} }), destroy: async () => {} };
});

// PGlite on disk (a reopen must read files back); one directory, one schema per test.
const dir = pgliteDir('raft-storage');
raftStorageContract('PGlite', () => sqlTarget({ dataDir: dir.path, schema: uniqueSchema('raft') }, async () => {}));

describe.skipIf(TEST_DATABASE_URL === undefined)('with TEST_DATABASE_URL', () => {
  const url = TEST_DATABASE_URL ?? '';
  raftStorageContract('Postgres', () => {
    const schema = uniqueSchema('raft');
    return sqlTarget({ url, dataDir: '', schema, maxConnections: 2 }, () => dropSchema(url, schema));
  });
});
