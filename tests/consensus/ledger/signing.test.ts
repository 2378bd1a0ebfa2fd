import { describe, expect, it } from 'vitest';
import { txHashOf } from '../../../consensus/chain/index.ts';
import { accountOfKey } from '../../../consensus/ledger/account-key.ts';
import { hashValue } from '../../../runtime/hash.ts';
import { accountAlgorithm, accountIdOf, signingBytes, TX_SIGNING_DOMAIN, verifyTransactionSignature } from '../../../schemas/transaction-signing.ts';
import { signedTx, testAccount, unsignedTx } from './fixtures.ts';

const alice = testAccount(1);
const transfer = { type: 'transfer', assetId: 'bond-1', to: testAccount(2).id, units: '5' } as const;

describe('transaction signing', () => {
  it('signs the domain tag and the canonical JSON of the transaction without its signature', () => {
    const tx = signedTx(alice, 3, transfer);
    const text = new TextDecoder().decode(signingBytes(tx));
    expect(text.startsWith(TX_SIGNING_DOMAIN)).toBe(true);
    expect(text).not.toContain(tx.signature);
    expect(JSON.parse(text.slice(TX_SIGNING_DOMAIN.length))).toEqual({ ...tx, signature: undefined });
  });

  it('verifies a signature by the from key and refuses any changed field', () => {
    const tx = signedTx(alice, 0, transfer);
    expect(verifyTransactionSignature(tx)).toBe(true);
    expect(verifyTransactionSignature({ ...tx, nonce: 1 })).toBe(false);
    expect(verifyTransactionSignature({ ...tx, chainId: 'other' })).toBe(false);
    expect(verifyTransactionSignature({ ...tx, from: testAccount(2).publicKey })).toBe(false);
  });

  it('tells the ML-DSA parameter set from the key length, and nothing from other lengths', () => {
    expect(accountAlgorithm('00'.repeat(1312))).toBe('ml_dsa44');
    expect(accountAlgorithm('00'.repeat(1952))).toBe('ml_dsa65');
    expect(accountAlgorithm('00'.repeat(2592))).toBe('ml_dsa87');
    expect(accountAlgorithm('00'.repeat(1313))).toBeUndefined();
    expect(accountAlgorithm('zz'.repeat(1312))).toBeUndefined();
  });

  it('derives the same account id on the node (node:crypto) as in the portable module', () => {
    expect(accountOfKey(alice.publicKey)).toEqual({ algorithm: 'ml_dsa44', id: accountIdOf(alice.publicKey) });
    expect(accountOfKey('ab'.repeat(100))).toBeUndefined();
  });

  it('hashes a transaction on the node to the same value as the portable hash', () => {
    const tx = unsignedTx(alice, 0, transfer);
    expect(txHashOf(tx)).toBe(hashValue(tx));
  });
});
