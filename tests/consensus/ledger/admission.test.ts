import { describe, expect, it } from 'vitest';
import { txHashOf } from '../../../consensus/chain/index.ts';
import { AccountAdmission } from '../../../consensus/ledger/index.ts';
import { MemoryLedger, TEST_CHAIN_ID, testAccount, unsignedTx, type UserTxBody } from './fixtures.ts';

const issuer = testAccount(0);
const alice = testAccount(1);
const bob = testAccount(2);
const transfer = (units: string): UserTxBody => ({ type: 'transfer', assetId: 'bond-1', to: bob.id, units });

/** Alice holds 100 units of bond-1 in the applied state. */
function funded(): MemoryLedger {
  const ledger = new MemoryLedger();
  ledger.submit(issuer, { type: 'register_asset', assetId: 'bond-1', category: 'market', totalUnits: '1000', feeds: [], metadata: {} });
  ledger.submit(issuer, { type: 'mint', assetId: 'bond-1', to: alice.id, units: '100' });
  return ledger;
}

const admit = (admission: AccountAdmission, nonce: number, body: UserTxBody, chainId = TEST_CHAIN_ID) => {
  const tx = unsignedTx(alice, nonce, body, chainId);
  return admission.admit(tx, txHashOf(tx))?.code ?? 'admitted';
};

describe('admission of user transactions', () => {
  it('admits the next nonces after the sender pending ones and refuses a gap', () => {
    const admission = new AccountAdmission(funded().state, TEST_CHAIN_ID);
    expect([admit(admission, 0, transfer('1')), admit(admission, 1, transfer('1')), admit(admission, 3, transfer('1'))]).toEqual([
      'admitted',
      'admitted',
      'NONCE_OUT_OF_ORDER',
    ]);
  });

  it('refuses a spend the balance covers only without the sender pending spends', () => {
    const admission = new AccountAdmission(funded().state, TEST_CHAIN_ID);
    expect([admit(admission, 0, transfer('60')), admit(admission, 1, transfer('60'))]).toEqual(['admitted', 'INSUFFICIENT_BALANCE']);
  });

  it('refuses another chain before anything else', () => {
    expect(admit(new AccountAdmission(funded().state, TEST_CHAIN_ID), 0, transfer('1'), 'other')).toBe('CHAIN_ID_MISMATCH');
  });

  it('bounds what one account may have pending, and frees a slot on release', () => {
    const admission = new AccountAdmission(funded().state, TEST_CHAIN_ID, 2);
    const first = unsignedTx(alice, 0, transfer('1'));
    expect(admission.admit(first, txHashOf(first))).toBeNull();
    expect(admit(admission, 1, transfer('1'))).toBe('admitted');
    expect(admit(admission, 2, transfer('1'))).toBe('ACCOUNT_PENDING_LIMIT');
    // The first failed without applying (say its block was not stored): its slot and its nonce are free again.
    admission.release(first);
    expect(admit(admission, 0, transfer('2'))).toBe('admitted');
  });

  it('stays exact when a pending transaction has already applied', () => {
    const ledger = funded();
    const admission = new AccountAdmission(ledger.state, TEST_CHAIN_ID);
    const first = unsignedTx(alice, 0, transfer('10'));
    expect(admission.admit(first, txHashOf(first))).toBeNull();
    ledger.apply(first);
    // Not released yet: it replays as a no-op in the simulation, and nonce 1 is the next.
    expect(admit(admission, 1, transfer('90'))).toBe('admitted');
  });
});
