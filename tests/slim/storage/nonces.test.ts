import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../../db/client.ts';
import { NonceRepository } from '../../../slim/storage/index.ts';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../../support/databases.ts';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 5, 15) + ms);

const backends = [
  { name: 'PGlite', url: undefined, skip: false },
  { name: 'PostgreSQL', url: TEST_DATABASE_URL, skip: TEST_DATABASE_URL === undefined },
];

describe.each(backends)('push nonce table on $name', ({ url, skip }) => {
  const schema = uniqueSchema('slim_nonces');
  let database: OpenDatabase;
  let nonces: NonceRepository;

  beforeAll(async () => {
    if (skip) return;
    database = await openDatabase({ part: 'slim', url, dataDir: 'memory://', schema });
    nonces = new NonceRepository(database.db);
  });
  afterAll(async () => {
    await database?.close();
    if (url !== undefined && !skip) await dropSchema(url, schema);
  });

  it.skipIf(skip)('remembers a nonce once per device: true the first time, false after', async () => {
    expect(await nonces.remember('dev-a', 'nonce-0000000000000001', at(300_000))).toBe(true);
    expect(await nonces.remember('dev-a', 'nonce-0000000000000001', at(300_000))).toBe(false);
    // Another device may use the same nonce.
    expect(await nonces.remember('dev-b', 'nonce-0000000000000001', at(300_000))).toBe(true);
  });

  it.skipIf(skip)('remembers a request’s nonces in one go, a nonce repeated within it new only the first time', async () => {
    const entry = (nonce: string) => ({ deviceId: 'dev-batch', nonce, expiresAt: at(300_000) });
    await nonces.remember('dev-batch', 'nonce-seen-before-0001', at(300_000));
    const answers = await nonces.rememberAll([entry('nonce-batch-00000001'), entry('nonce-seen-before-0001'), entry('nonce-batch-00000002'), entry('nonce-batch-00000001')]);
    expect(answers).toEqual([true, false, true, false]);
    expect(await nonces.rememberAll([])).toEqual([]);
  });

  it.skipIf(skip)('tells exactly one of many concurrent callers that a nonce is new', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, () => nonces.remember('dev-race', 'nonce-race-000000000', at(300_000))));
    expect(answers.filter((a) => a)).toHaveLength(1);
  });

  it.skipIf(skip)('prunes only expired nonces, at most the given number per call', async () => {
    for (let i = 0; i < 5; i++) await nonces.remember('dev-prune', `expired-nonce-${String(i).padStart(8, '0')}`, at(i));
    await nonces.remember('dev-prune', 'live-nonce-0000000000', at(1_000_000));
    const pruneAt = at(500_000);
    const first = await nonces.pruneExpired(pruneAt, 3);
    expect(first).toBe(3);
    // Everything expired by then goes, the live nonce stays remembered.
    let total = first;
    for (let n = await nonces.pruneExpired(pruneAt, 3); n > 0; n = await nonces.pruneExpired(pruneAt, 3)) total += n;
    expect(total).toBeGreaterThanOrEqual(5);
    expect(await nonces.remember('dev-prune', 'live-nonce-0000000000', at(1_000_000))).toBe(false);
    expect(await nonces.remember('dev-prune', 'expired-nonce-00000000', at(1_000_000))).toBe(true);
  });
});
