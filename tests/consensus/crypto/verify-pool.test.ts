import { afterAll, describe, expect, it } from 'vitest';
import { VerifyPool, type VerifyItem } from '../../../consensus/crypto/verify-pool.ts';
import { AppError } from '../../../runtime/errors.ts';
import { signingBytes } from '../../../schemas/transaction-signing.ts';
import { signedTx, testAccount } from '../ledger/fixtures.ts';

const alice = testAccount(1);
const tx = signedTx(alice, 0, { type: 'transfer', assetId: 'a', to: testAccount(2).id, units: '1' });
const item = (message = signingBytes(tx)): VerifyItem => ({
  algorithm: 'ml_dsa44',
  publicKey: Uint8Array.from(Buffer.from(tx.from, 'hex')),
  message,
  signature: Uint8Array.from(Buffer.from(tx.signature, 'hex')),
});

describe('signature verify pool', () => {
  const pool = new VerifyPool({ threads: 2, queueMax: 8 });
  afterAll(() => pool.close());

  it('answers one verdict per item, in order, from its threads', async () => {
    expect(await pool.verify([item(), item(new Uint8Array([1, 2, 3])), item()])).toEqual([true, false, true]);
  });

  it('refuses more items than its queue holds with a retryable 503', async () => {
    const refused = await pool.verify(Array.from({ length: 9 }, () => item())).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('UNAVAILABLE');
  });

  it('refuses work once closed', async () => {
    const closed = new VerifyPool({ threads: 1, queueMax: 8 });
    await closed.close();
    await expect(closed.verify([item()])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});
