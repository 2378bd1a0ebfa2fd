import { afterAll, describe, expect, it } from 'vitest';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { openDatabase, type OpenDatabase } from '../../db/client.ts';
import { apiKeys } from '../../db/schema/gateway.ts';
import { generateKeyId, hashApiKey, legacyHashApiKey } from '../../gateway/auth/api-key.ts';
import { ApiKeyService } from '../../gateway/auth/key-service.ts';
import { DrizzleKeyStore, storedKeyPepper } from '../../gateway/auth/key-store.ts';
import { TEST_DATABASE_URL, dropSchema, uniqueSchema } from '../support/databases.ts';
import { captureLogger } from './support.ts';

/** One contract for the key store, run against each backend: PGlite (embedded) and real Postgres. */
const PEPPER = 'test-pepper-0123456789abcdefghijklmnopqrstuv';

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
      return { keys: new ApiKeyService(new DrizzleKeyStore(db.db), PEPPER), store: new DrizzleKeyStore(db.db), db: db.db };
    };

    it('authenticates an issued key as its role and stores only its peppered HMAC', async () => {
      const { keys, store } = await service();
      const issued = await keys.issue('dapp', 'a dApp');
      expect(await keys.authenticate(issued.key)).toEqual({ id: issued.id, role: 'dapp' });
      const stored = await store.findBySecretHash([hashApiKey(issued.key, PEPPER)]);
      expect(stored?.secretHash).toMatch(/^hmac1:[0-9a-f]{64}$/);
      expect(JSON.stringify(stored)).not.toContain(issued.key);
    });

    it('does not authenticate a key under another pepper', async () => {
      const { keys, db } = await service();
      const issued = await keys.issue('dapp', 'a dApp');
      const otherPepper = new ApiKeyService(new DrizzleKeyStore(db), 'another-pepper-0123456789abcdefghijkl');
      expect(await otherPepper.authenticate(issued.key)).toBeNull();
    });

    it('accepts a key stored as a bare SHA-256 before the pepper, and rehashes it with the pepper on that use', async () => {
      const { keys, store } = await service();
      const secret = 'ok_legacy-key-0123456789abcdefghijklmnopqrstuvwxyz';
      const id = generateKeyId();
      await store.insert({ id, role: 'provider', label: 'legacy', secretHash: legacyHashApiKey(secret), createdAt: new Date() });
      expect(await keys.authenticate(secret)).toEqual({ id, role: 'provider' });
      expect((await store.findBySecretHash([legacyHashApiKey(secret)]))).toBeNull();
      expect((await store.findBySecretHash([hashApiKey(secret, PEPPER)]))?.id).toBe(id);
      expect(await keys.authenticate(secret)).toEqual({ id, role: 'provider' });
    });

    it('keeps the first stored pepper, whatever later starts generate', async () => {
      const { db } = await service();
      const first = await storedKeyPepper(db, () => 'a'.repeat(64));
      expect(await storedKeyPepper(db, () => 'b'.repeat(64))).toBe(first);
    });

    it('does not authenticate an unknown or a revoked key', async () => {
      const { keys } = await service();
      const issued = await keys.issue('provider', 'a provider');
      expect(await keys.authenticate('ok_unknown')).toBeNull();
      expect(await keys.revoke(issued.id)).toBeInstanceOf(Date);
      expect(await keys.revoke(issued.id)).toBeNull();
      expect(await keys.authenticate(issued.key)).toBeNull();
    });

    it('refuses to revoke the last active admin key, and revokes an admin key while another is active', async () => {
      const { keys, db } = await service();
      const first = await keys.issue('admin', 'first admin');
      // Earlier tests may have left admins of their own; only `first` stays active.
      await db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt), ne(apiKeys.id, first.id)));
      const second = await keys.issue('admin', 'second admin');
      expect(await keys.revoke(first.id)).toBeInstanceOf(Date);
      await expect(keys.revoke(second.id)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await keys.authenticate(second.key)).toEqual({ id: second.id, role: 'admin' });
    });

    it('lets only one of two simultaneous revocations of the last two admin keys through', async () => {
      const { keys, db } = await service();
      const kept = await keys.issue('admin', 'kept admin');
      await db.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt), ne(apiKeys.id, kept.id)));
      const other = await keys.issue('admin', 'other admin');
      const outcomes = await Promise.allSettled([keys.revoke(kept.id), keys.revoke(other.id)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const active = await db.select().from(apiKeys).where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt)));
      expect(active).toHaveLength(1);
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
