import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txHashOf } from '../../consensus/chain/index.ts';
import { openDatabase, type OpenDatabase } from '../../db/client.ts';
import { attest, minute, startConsensus, weatherEvent } from './fixtures.ts';

const HOUR_MS = 3_600_000;
let database: OpenDatabase;

beforeAll(async () => {
  // These behaviours need no restart, so the in-memory PGlite is enough.
  database = await openDatabase({ part: 'consensus', dataDir: 'memory://', schema: 'v_test' });
});
afterAll(async () => {
  await database.close();
});

describe('single-node consensus', () => {
  it('commits a redelivered pending event once and tells the second submitter it is a duplicate', async () => {
    const node = await startConsensus(database.db);
    const event = weatherEvent({ id: 'twice', observedAt: minute(1) });
    const [[first], [second]] = await Promise.all([node.submit([attest(event)]), node.submit([attest(event)])]);
    if (first?.kind !== 'committed') throw new Error(`expected a commit, got ${first?.kind}`);
    expect(second).toEqual({ kind: 'duplicate', txHash: first.txHash, height: first.height });
    await node.close();
  });

  it('refuses transactions beyond the mempool bound with MEMPOOL_FULL and a retry hint', async () => {
    // A block interval of an hour: nothing drains while the test runs.
    const node = await startConsensus(database.db, { blockIntervalMs: HOUR_MS, mempoolTxsMax: 2 });
    const waiting = node.submit([1, 2].map((n) => attest(weatherEvent({ id: `full-${n}`, observedAt: minute(n) }))));
    waiting.catch(() => {});
    await expect(node.submit([attest(weatherEvent({ id: 'full-3' }))])).rejects.toMatchObject({
      code: 'MEMPOOL_FULL',
      retryAfterS: expect.any(Number),
    });
    expect(node.status().pendingTransactions).toBe(2);
    await node.close();
  });

  it('fails pending transactions with a retryable UNAVAILABLE on shutdown', async () => {
    const node = await startConsensus(database.db, { blockIntervalMs: HOUR_MS });
    const waiting = node.submit([attest(weatherEvent({ id: 'left-behind' }))]);
    await node.close();
    await expect(waiting).rejects.toMatchObject({ code: 'UNAVAILABLE', retryAfterS: 1 });
    await expect(node.submit([attest(weatherEvent({ id: 'too-late' }))])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('shows a transaction as pending until its block is stored', async () => {
    const node = await startConsensus(database.db, { blockIntervalMs: HOUR_MS });
    const tx = attest(weatherEvent({ id: 'pending-1' }));
    const waiting = node.submit([tx]);
    waiting.catch(() => {});
    expect(node.pendingTransaction(txHashOf(tx))).toEqual(tx);
    await node.close();
  });

  it('answers each transaction of a mixed batch in input order', async () => {
    const node = await startConsensus(database.db);
    const results = await node.submit([
      attest(weatherEvent({ id: 'mix-ok', observedAt: minute(40) })),
      attest(weatherEvent({ id: 'mix-review', decision: 'review', observedAt: minute(41) })),
      attest(weatherEvent({ id: 'mix-ok', observedAt: minute(40) })),
    ]);
    expect(results.map((r) => r.kind)).toEqual(['committed', 'rejected', 'duplicate']);
    await node.close();
  });
});
