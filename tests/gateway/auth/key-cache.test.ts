import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { ApiKeyService } from '../../../gateway/auth/key-service.ts';
import { DrizzleKeyStore } from '../../../gateway/auth/key-store.ts';
import { PrincipalCache } from '../../../gateway/auth/principal-cache.ts';
import { uniqueSchema } from '../../support/databases.ts';

const PEPPER = 'test-pepper-0123456789abcdefghijklmnopqrstuv';
const TTL_MS = 5_000;

/** A KeyStore that counts lookups, over the real (embedded) one. */
class CountingStore extends DrizzleKeyStore {
  lookups = 0;
  override findBySecretHash(hashes: readonly string[]) {
    this.lookups++;
    return super.findBySecretHash(hashes);
  }
}

describe('API key verification cache', () => {
  let db: OpenDatabase;
  // Not 0: lru-cache takes a start time of 0 for "never set".
  let clockMs = 1_000_000;
  const now = () => clockMs;

  beforeAll(async () => {
    db = await openDatabase({ part: 'gateway', url: undefined, dataDir: 'memory://', schema: uniqueSchema('gw_key_cache') });
  });
  afterAll(async () => {
    await db.close();
  });

  /** Two gateways over one key table, each with its own cache on the test's clock. */
  const twoGateways = () => {
    const store = new CountingStore(db.db);
    const cached = () => new ApiKeyService(store, PEPPER, undefined, new PrincipalCache({ ttlMs: TTL_MS, entriesMax: 100, now }));
    return { store, here: cached(), elsewhere: cached() };
  };

  it('asks storage once for a key used again and again within the TTL', async () => {
    const { store, here } = twoGateways();
    const issued = await here.issue('dapp', 'busy key');
    const before = store.lookups;
    for (let i = 0; i < 5; i++) expect(await here.authenticate(issued.key)).toEqual({ id: issued.id, role: 'dapp' });
    expect(store.lookups).toBe(before + 1);
  });

  it('shares one storage lookup between concurrent first requests of a key', async () => {
    const { store, here } = twoGateways();
    const issued = await here.issue('dapp', 'concurrent key');
    const before = store.lookups;
    const principals = await Promise.all(Array.from({ length: 10 }, () => here.authenticate(issued.key)));
    expect(new Set(principals.map((p) => p?.id))).toEqual(new Set([issued.id]));
    expect(store.lookups).toBe(before + 1);
  });

  it('stops accepting a key at once on the gateway that revoked it', async () => {
    const { here } = twoGateways();
    const issued = await here.issue('dapp', 'revoked here');
    expect(await here.authenticate(issued.key)).not.toBeNull();
    await here.revoke(issued.id);
    expect(await here.authenticate(issued.key)).toBeNull();
  });

  it('stops accepting a key revoked on another gateway once the TTL has passed, and not before', async () => {
    const { here, elsewhere } = twoGateways();
    const issued = await here.issue('dapp', 'revoked elsewhere');
    expect(await here.authenticate(issued.key)).not.toBeNull();
    await elsewhere.revoke(issued.id);
    clockMs += TTL_MS - 1;
    expect(await here.authenticate(issued.key)).not.toBeNull(); // the stated bound: up to the TTL
    clockMs += 2;
    expect(await here.authenticate(issued.key)).toBeNull();
  });

  it('does not remember unknown keys, so guesses cannot push real keys out', async () => {
    const { store, here } = twoGateways();
    const before = store.lookups;
    expect(await here.authenticate('ok_not-a-key-0123456789abcdefghijklmnopqrstu')).toBeNull();
    expect(await here.authenticate('ok_not-a-key-0123456789abcdefghijklmnopqrstu')).toBeNull();
    expect(store.lookups).toBe(before + 2);
  });
});
