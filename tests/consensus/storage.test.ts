import postgres from 'postgres';
import { afterAll, describe } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { tempDir } from './fixtures.ts';
import { storageContract } from './storage-contract.ts';

// PGlite on disk: `memory://` would not survive the restarts the contract checks.
// One directory for the file (creating a cluster is the slow part), one schema per test.
const dir = tempDir('consensus-storage-');
afterAll(() => dir.remove());
let pgliteCount = 0;
storageContract('PGlite', () => {
  const schema = `v_test_${pgliteCount++}`;
  return {
    open: () => openDatabase({ part: 'consensus', dataDir: dir.path, schema }),
    destroy: async () => {},
  };
});

const url = process.env.TEST_DATABASE_URL;
let schemaCount = 0;
describe.skipIf(url === undefined)('with TEST_DATABASE_URL', () => {
  storageContract('Postgres', () => {
    // One schema per test, dropped afterwards, so runs never see each other's chains.
    const schema = `v_test_${process.pid}_${Date.now()}_${schemaCount++}`;
    return {
      open: () => openDatabase({ part: 'consensus', url, dataDir: '', schema, maxConnections: 2 }),
      destroy: async () => {
        const admin = postgres(url!, { max: 1, onnotice: () => {} });
        try {
          await admin.unsafe(`drop schema if exists "${schema}" cascade`);
        } finally {
          await admin.end();
        }
      },
    };
  });
});
