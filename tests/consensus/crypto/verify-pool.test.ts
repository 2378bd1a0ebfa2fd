import { afterAll, describe, expect, it } from 'vitest';
import { VerifyPool, type VerifyItem } from '../../../consensus/crypto/verify-pool.ts';
import { AppError } from '../../../runtime/errors.ts';
import { signingBytes } from '../../../schemas/transaction-signing.ts';
import { signedTx, testAccount } from '../ledger/fixtures.ts';

const alice = testAccount(1);
const tx = signedTx(alice, 0, { type: 'transfer', assetId: 'a', to: testAccount(2).id, units: '1' });
const bobTx = signedTx(testAccount(3), 0, { type: 'transfer', assetId: 'a', to: testAccount(2).id, units: '1' });
const itemOf = (signed: typeof tx, message = signingBytes(signed)): VerifyItem => ({
  algorithm: 'ml_dsa44',
  publicKey: Uint8Array.from(Buffer.from(signed.from, 'hex')),
  message,
  signature: Uint8Array.from(Buffer.from(signed.signature, 'hex')),
});
const item = (message?: Uint8Array) => itemOf(tx, message);

describe('signature verify pool', () => {
  const pool = new VerifyPool({ threads: 2, queueMax: 8, preparedKeyBytes: 1024 * 1024 });
  afterAll(() => pool.close());

  it('answers one verdict per item, in order, from its threads', async () => {
    expect(await pool.verify([item(), item(new Uint8Array([1, 2, 3])), item()])).toEqual([true, false, true]);
  });

  it('refuses more items than its queue holds with a retryable 503', async () => {
    const refused = await pool.verify(Array.from({ length: 9 }, () => item())).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('UNAVAILABLE');
  });

  it('sends a sender’s signatures to one thread, which prepares its key once', async () => {
    const pool = new VerifyPool({ threads: 2, queueMax: 8, preparedKeyBytes: 1024 * 1024 });
    try {
      // In either order, each key goes to its own home thread: handed out by turn, they would swap.
      await pool.verify([item(), itemOf(bobTx)]);
      await pool.verify([itemOf(bobTx), item()]);
      const stats = pool.keyCacheStats();
      expect({ hits: stats.hits, misses: stats.misses }).toEqual({ hits: 2, misses: 2 });
      expect(stats.bytes).toBeGreaterThan(0);
    } finally {
      await pool.close();
    }
  });

  it('lets the other thread take a burst that overflows the home thread of its key', async () => {
    // 200 items of one key: its home thread holds 4 chunks of 32; the idle thread takes the rest.
    const pool = new VerifyPool({ threads: 2, queueMax: 200, preparedKeyBytes: 1024 * 1024 });
    try {
      expect(await pool.verify(Array.from({ length: 200 }, () => item()))).toEqual(Array.from({ length: 200 }, () => true));
      expect(pool.keyCacheStats().misses).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('refuses work once closed', async () => {
    const closed = new VerifyPool({ threads: 1, queueMax: 8, preparedKeyBytes: 0 });
    await closed.close();
    await expect(closed.verify([item()])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
