import { afterAll, beforeAll, describe } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { TEST_DATABASE_URL, dropSchema, tempDir, uniqueSchema } from '../support/databases.ts';
import { storageContract } from './storage-contract.ts';

// PGlite on disk: `memory://` would not survive the restarts the contract checks.
// One directory for the file (creating a cluster is the slow part), one schema per test.
const dir = tempDir('consensus-storage');
// The cluster is created before the first test, so a loaded machine does not time that test out.
beforeAll(async () => {
  const first = await openDatabase({ part: 'consensus', dataDir: dir.path, schema: uniqueSchema('v_init') });
  await first.close();
}, 180_000);
afterAll(() => dir.remove());
storageContract('PGlite', () => {
  const schema = uniqueSchema('v_test');
  return {
    open: () => openDatabase({ part: 'consensus', dataDir: dir.path, schema }),
    destroy: async () => {},
  };
});

describe.skipIf(TEST_DATABASE_URL === undefined)('with TEST_DATABASE_URL', () => {
  const url = TEST_DATABASE_URL ?? '';
  storageContract('Postgres', () => {
    // One schema per test, dropped afterwards, so runs never see each other's chains.
    const schema = uniqueSchema('v_test');
    return {
      open: () => openDatabase({ part: 'consensus', url, dataDir: '', schema, maxConnections: 2 }),
      destroy: () => dropSchema(url, schema),
    };
  });
});
