import { afterAll, beforeAll } from 'vitest';
import { openDatabase } from '../../../db/client.ts';
import { tempDir } from '../../support/databases.ts';

const CLUSTER_CREATE_MS_MAX = 120_000;

/**
 * A PGlite directory for one test file, its cluster created before the first test: creating one
 * takes seconds, far more on a loaded machine, and must not count against a test's own timeout.
 * Tests then use a schema each.
 */
export function pgliteDir(prefix: string): { readonly path: string } {
  const dir = tempDir(prefix);
  beforeAll(async () => {
    const database = await openDatabase({ part: 'consensus', dataDir: dir.path, schema: 'raft_warm_up' });
    await database.close();
  }, CLUSTER_CREATE_MS_MAX);
  afterAll(() => dir.remove());
  return dir;
}
