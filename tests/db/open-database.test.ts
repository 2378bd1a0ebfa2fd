import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseOptions, type StoragePart } from '../../db/client.ts';
import { apiKeys } from '../../db/schema/gateway.ts';
import { TEST_DATABASE_URL, dropSchema, tempDir, uniqueSchema } from '../support/databases.ts';

const PARTS: StoragePart[] = ['gateway', 'slim', 'consensus', 'cluster'];
const EXPECTED_TABLES: Record<StoragePart, string[]> = {
  gateway: ['api_keys', 'gateway_meta'],
  slim: ['channel_outbox', 'devices', 'feed_leases', 'feeds', 'observations', 'push_nonces', 'review_audit', 'reviews', 'source_cache'],
  consensus: ['block_signatures', 'blocks', 'committed_events', 'ledger_meta', 'ledger_state', 'node_meta', 'raft_entries', 'raft_snapshot', 'raft_state', 'transactions'],
  cluster: ['node_announcements'],
};

async function tablesOf(options: DatabaseOptions): Promise<string[]> {
  const open = await openDatabase(options);
  try {
    const result: unknown = await open.db.execute(
      sql`select table_name from information_schema.tables where table_schema = ${options.schema} and table_name not like '__drizzle%' order by table_name`,
    );
    // postgres-js answers an array of rows, PGlite an object holding them.
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { table_name: string }[];
    return rows.map((r) => r.table_name);
  } finally {
    await open.close();
  }
}

/** One contract, run against each backend: PGlite (embedded default) and real Postgres. */
function databaseContract(name: string, backend: () => { url: string | undefined; dataDir: string }, cleanup: (schema: string) => Promise<void>) {
  describe(name, () => {
    const schemas: string[] = [];
    afterAll(async () => {
      for (const s of schemas) await cleanup(s);
    });

    for (const part of PARTS) {
      it(`creates the ${part} tables by applying its migrations`, async () => {
        const schema = uniqueSchema(`db_${part}`);
        schemas.push(schema);
        expect(await tablesOf({ part, schema, ...backend() })).toEqual(EXPECTED_TABLES[part]);
      });
    }

    it('keeps rows across a reopen and applies no migration twice', async () => {
      const schema = uniqueSchema('db_reopen');
      schemas.push(schema);
      const first = await openDatabase({ part: 'gateway', schema, ...backend() });
      await first.db.insert(apiKeys).values({ id: 'k1', role: 'admin', label: 'x', secretHash: 'h1' });
      await first.close();
      const second = await openDatabase({ part: 'gateway', schema, ...backend() });
      const rows = await second.db.select().from(apiKeys);
      await second.close();
      expect(rows.map((r) => r.id)).toEqual(['k1']);
    });

    it('keeps two nodes in separate schemas apart', async () => {
      const a = uniqueSchema('db_a');
      const b = uniqueSchema('db_b');
      schemas.push(a, b);
      const first = await openDatabase({ part: 'gateway', schema: a, ...backend() });
      await first.db.insert(apiKeys).values({ id: 'only-in-a', role: 'admin', label: 'x', secretHash: 'h2' });
      await first.close();
      const second = await openDatabase({ part: 'gateway', schema: b, ...backend() });
      const rows = await second.db.select().from(apiKeys);
      await second.close();
      expect(rows).toEqual([]);
    });
  });
}

const dir = tempDir('db-contract');
afterAll(() => dir.remove());
databaseContract('the embedded PGlite database', () => ({ url: undefined, dataDir: dir.path }), async () => {});

describe.skipIf(TEST_DATABASE_URL === undefined)('real PostgreSQL', () => {
  const url = TEST_DATABASE_URL ?? '';
  databaseContract('the PostgreSQL database', () => ({ url, dataDir: '' }), (schema) => dropSchema(url, schema));
});
