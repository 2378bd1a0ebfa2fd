import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../db/client.ts';
import { hashApiKey } from '../../gateway/auth/api-key.ts';
import { ApiKeyService } from '../../gateway/auth/key-service.ts';
import { DrizzleKeyStore } from '../../gateway/auth/key-store.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../support/databases.ts';
import { captureLogger } from './support.ts';

/** One contract for the key store, run against each backend: PGlite (embedded) and real Postgres. */
function keyStoreContract(name: string, open: (schema: string) => Promise<OpenDatabase>, cleanup: (schema: string) => Promise<void>) {
  describe(name, () => {
    // One database per backend (opening PGlite takes seconds); the tests compare counts before and after.
    const schema = uniqueSchema('gw_keys');
    let db: OpenDatabase | undefined;
    afterAll(async () => {
      await db?.close();
      await cleanup(schema);
    });

    const service = async () => {
      db ??= await open(schema);
      return { keys: new ApiKeyService(new DrizzleKeyStore(db.db)), store: new DrizzleKeyStore(db.db) };
    };

    it('authenticates an issued key as its role and stores only its hash', async () => {
      const { keys, store } = await service();
      const issued = await keys.issue('dapp', 'a dApp');
      expect(await keys.authenticate(issued.key)).toEqual({ id: issued.id, role: 'dapp' });
      const stored = await store.findBySecretHash(hashApiKey(issued.key));
      expect(stored?.secretHash).toBe(hashApiKey(issued.key));
      expect(JSON.stringify(stored)).not.toContain(issued.key);
    });

    it('does not authenticate an unknown or a revoked key', async () => {
      const { keys } = await service();
      const issued = await keys.issue('provider', 'a provider');
      expect(await keys.authenticate('ok_unknown')).toBeNull();
      expect(await keys.revoke(issued.id)).toBe(true);
      expect(await keys.revoke(issued.id)).toBe(false);
      expect(await keys.authenticate(issued.key)).toBeNull();
    });

    it('stores a configured admin key once, however often the gateway starts', async () => {
      const { keys, store } = await service();
      const { logger } = captureLogger('silent');
      const configured = 'ok_configured-admin-key-abcdefghijklmnopqrstuvwxyz';
      const before = await store.countActive('admin');
      await keys.bootstrapAdmin(configured, logger);
      await keys.bootstrapAdmin(configured, logger);
      expect(await store.countActive('admin')).toBe(before + 1);
      expect((await keys.authenticate(configured))?.role).toBe('admin');
    });

    it('does not generate an admin key when one exists', async () => {
      const { keys, store } = await service();
      const { logger, logs } = captureLogger('warn');
      await keys.issue('admin', 'existing');
      const before = await store.countActive('admin');
      await keys.bootstrapAdmin(undefined, logger);
      expect(await store.countActive('admin')).toBe(before);
      expect(logs).toHaveLength(0);
    });
  });
}

keyStoreContract(
  'key store on PGlite',
  (schema) => openDatabase({ part: 'gateway', dataDir: 'memory://', schema }),
  async () => {},
);

describe.skipIf(TEST_DATABASE_URL === undefined)('with TEST_DATABASE_URL', () => {
  const url = TEST_DATABASE_URL as string;
  keyStoreContract(
    'key store on Postgres',
    (schema) => openDatabase({ part: 'gateway', url, dataDir: 'unused', schema }),
    (schema) => dropSchema(url, schema),
  );
});
