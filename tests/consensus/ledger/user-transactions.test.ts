import { describe, expect, it } from 'vitest';
import { executeBatch, txHashOf } from '../../../consensus/chain/index.ts';
import { accountKey, retirementKey, tokenKey } from '../../../consensus/ledger/keys.ts';
import { floorTimes } from '../../../consensus/ledger/units.ts';
import type { ApplyResult } from '../../../consensus/ledger/index.ts';
import { attest, minute, weatherEvent } from '../fixtures.ts';
import { MemoryLedger, TEST_CHAIN_ID, testAccount, unsignedTx, type UserTxBody } from './fixtures.ts';

const issuer = testAccount(0);
const alice = testAccount(1);
const bob = testAccount(2);

const register = (assetId = 'bond-1', extra: Partial<Extract<UserTxBody, { type: 'register_asset' }>> = {}): UserTxBody => ({
  type: 'register_asset',
  assetId,
  category: 'market',
  totalUnits: '1000',
  feeds: ['feed-berlin'],
  metadata: { name: 'Bond 1' },
  ...extra,
});
const mint = (to: string, units: string, assetId = 'bond-1'): UserTxBody => ({ type: 'mint', assetId, to, units });
const transfer = (to: string, units: string, assetId = 'bond-1'): UserTxBody => ({ type: 'transfer', assetId, to, units });

const codeOf = (result: ApplyResult): string => (result.kind === 'rejected' ? result.code : result.kind);

/** A ledger where the issuer registered bond-1 and minted 100 units to alice. */
function funded(): MemoryLedger {
  const ledger = new MemoryLedger();
  expect(codeOf(ledger.submit(issuer, register()))).toBe('applied');
  expect(codeOf(ledger.submit(issuer, mint(alice.id, '100')))).toBe('applied');
  return ledger;
}

describe('ledger: register asset', () => {
  it('makes the signer the issuer with nothing issued yet', () => {
    const ledger = funded();
    expect(ledger.state.get(tokenKey('bond-1'))).toMatchObject({ issuer: issuer.id, category: 'market', totalUnits: '1000', issued: '100' });
  });

  it('refuses an asset id that is already registered', () => {
    const ledger = funded();
    expect(codeOf(ledger.submit(alice, register()))).toBe('ASSET_EXISTS');
  });

  it('refuses a mint policy over a feed the asset does not link', () => {
    const policy = { type: 'reserve' as const, feedId: 'other-feed', unitsPerValue: '1' };
    expect(codeOf(new MemoryLedger().submit(issuer, register('bond-2', { mintPolicy: policy })))).toBe('ASSET_INVALID');
  });

  it('treats an asset id that names a property of every JavaScript object as any other id', () => {
    const ledger = new MemoryLedger();
    for (const assetId of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(codeOf(ledger.submit(issuer, register(assetId)))).toBe('applied');
      expect(codeOf(ledger.submit(issuer, mint(alice.id, '100', assetId)))).toBe('applied');
      expect(codeOf(ledger.submit(alice, transfer(bob.id, '40', assetId)))).toBe('applied');
      expect(codeOf(ledger.submit(bob, transfer(alice.id, '41', assetId)))).toBe('INSUFFICIENT_BALANCE');
    }
    expect(ledger.state.get(accountKey(bob.id))).toMatchObject({ balances: { constructor: '40', toString: '40', hasOwnProperty: '40' } });
  });

  it('refuses a total of zero units', () => {
    expect(codeOf(new MemoryLedger().submit(issuer, register('bond-2', { totalUnits: '0' })))).toBe('AMOUNT_ZERO');
  });
});

describe('ledger: mint', () => {
  it('credits the recipient and counts the units as issued', () => {
    const ledger = funded();
    expect(ledger.state.get(accountKey(alice.id))).toMatchObject({ balances: { 'bond-1': '100' } });
  });

  it('is refused to anyone but the issuer', () => {
    expect(codeOf(funded().submit(alice, mint(alice.id, '1')))).toBe('NOT_ISSUER');
  });

  it('never issues more than the asset total', () => {
    expect(codeOf(funded().submit(issuer, mint(bob.id, '901')))).toBe('SUPPLY_EXCEEDED');
  });

  it('is refused for an asset nobody registered', () => {
    expect(codeOf(new MemoryLedger().submit(issuer, mint(bob.id, '1', 'nothing')))).toBe('ASSET_UNKNOWN');
  });
});

describe('ledger: proof-of-reserve mint policy', () => {
  const policy = { type: 'reserve' as const, feedId: 'feed-berlin', unitsPerValue: '10' };

  function gated(reserve: number | null): MemoryLedger {
    const ledger = new MemoryLedger();
    if (reserve !== null) expect(codeOf(ledger.apply(attest(weatherEvent({ value: reserve, observedAt: minute(1) }))))).toBe('applied');
    expect(codeOf(ledger.submit(issuer, register('gold', { mintPolicy: policy })))).toBe('applied');
    return ledger;
  }

  it('allows minting up to the latest attested value times unitsPerValue', () => {
    expect(codeOf(gated(21.5).submit(issuer, mint(alice.id, '215', 'gold')))).toBe('applied');
  });

  it('refuses a mint that would take outstanding supply above the reserve', () => {
    expect(codeOf(gated(21.5).submit(issuer, mint(alice.id, '216', 'gold')))).toBe('RESERVE_EXCEEDED');
  });

  it('refuses every mint while the feed has no attested value', () => {
    expect(codeOf(gated(null).submit(issuer, mint(alice.id, '1', 'gold')))).toBe('RESERVE_UNATTESTED');
  });

  it('follows a newer attestation that lowers the reserve', () => {
    const ledger = gated(21.5);
    expect(codeOf(ledger.submit(issuer, mint(alice.id, '100', 'gold')))).toBe('applied');
    ledger.apply(attest(weatherEvent({ id: 'lower', value: 10.5, observedAt: minute(2) })));
    expect(codeOf(ledger.submit(issuer, mint(alice.id, '6', 'gold')))).toBe('RESERVE_EXCEEDED');
    expect(codeOf(ledger.submit(issuer, mint(alice.id, '5', 'gold')))).toBe('applied');
  });
});

describe('ledger: reserve arithmetic', () => {
  it('multiplies the decimal the value spells, not its binary approximation', () => {
    expect(floorTimes(0.3, 10n)).toBe(3n);
    expect(floorTimes(1.005, 1000n)).toBe(1005n);
  });

  it('handles exponent notation in both directions', () => {
    expect(floorTimes(1.5e21, 2n)).toBe(3_000_000_000_000_000_000_000n);
    expect(floorTimes(2.5e-7, 10_000_000n)).toBe(2n);
  });

  it('gives zero for a value that is not positive', () => {
    expect(floorTimes(-4, 10n)).toBe(0n);
    expect(floorTimes(0, 10n)).toBe(0n);
  });
});

describe('ledger: transfer, burn and retire', () => {
  it('moves units between accounts and leaves the supply as it was', () => {
    const ledger = funded();
    expect(codeOf(ledger.submit(alice, transfer(bob.id, '40')))).toBe('applied');
    expect(ledger.state.get(accountKey(alice.id))).toMatchObject({ balances: { 'bond-1': '60' } });
    expect(ledger.state.get(accountKey(bob.id))).toMatchObject({ balances: { 'bond-1': '40' } });
    expect(ledger.state.get(tokenKey('bond-1'))).toMatchObject({ issued: '100', burned: '0', retired: '0' });
  });

  it('refuses to spend more than the balance', () => {
    expect(codeOf(funded().submit(alice, transfer(bob.id, '101')))).toBe('INSUFFICIENT_BALANCE');
  });

  it('refuses a transfer to the sending account', () => {
    expect(codeOf(funded().submit(alice, transfer(alice.id, '1')))).toBe('TRANSFER_TO_SELF');
  });

  it('refuses a zero amount', () => {
    expect(codeOf(funded().submit(alice, transfer(bob.id, '0')))).toBe('AMOUNT_ZERO');
  });

  it('burns units out of the holder balance and the outstanding supply', () => {
    const ledger = funded();
    expect(codeOf(ledger.submit(alice, { type: 'burn', assetId: 'bond-1', units: '100' }))).toBe('applied');
    expect(ledger.state.get(accountKey(alice.id))).toMatchObject({ balances: {} });
    expect(ledger.state.get(tokenKey('bond-1'))).toMatchObject({ issued: '100', burned: '100' });
  });

  it('retires only carbon credits', () => {
    expect(codeOf(funded().submit(alice, { type: 'retire', assetId: 'bond-1', units: '1' }))).toBe('RETIRE_NOT_CARBON');
  });

  it('retires carbon credits for good, with a certificate, so they can never move again', () => {
    const ledger = new MemoryLedger();
    ledger.submit(issuer, register('credits', { category: 'carbon' }));
    ledger.submit(issuer, mint(alice.id, '10', 'credits'));
    const retire = ledger.submit(alice, { type: 'retire', assetId: 'credits', units: '10', beneficiary: 'Acme 2026' });
    expect(codeOf(retire)).toBe('applied');
    expect(ledger.state.get(accountKey(alice.id))).toMatchObject({ balances: {}, retired: { credits: '10' } });
    expect(ledger.state.get(tokenKey('credits'))).toMatchObject({ issued: '10', retired: '10' });
    const certificates = [...ledger.state.keys()].filter((k) => k.startsWith(retirementKey('')));
    expect(certificates.map((k) => ledger.state.get(k))).toEqual([{ account: alice.id, assetId: 'credits', units: '10', beneficiary: 'Acme 2026', height: 3 }]);
    expect(codeOf(ledger.submit(alice, transfer(bob.id, '1', 'credits')))).toBe('INSUFFICIENT_BALANCE');
  });
});

describe('ledger: nonces and keys', () => {
  it('refuses the same transaction applied again as a replay', () => {
    const ledger = funded();
    const tx = unsignedTx(alice, 0, transfer(bob.id, '1'));
    expect(codeOf(ledger.apply(tx))).toBe('applied');
    expect(codeOf(ledger.apply(tx))).toBe('NONCE_REPLAYED');
  });

  it('refuses a nonce ahead of the account next one as out of order', () => {
    expect(codeOf(funded().apply(unsignedTx(alice, 1, transfer(bob.id, '1'))))).toBe('NONCE_OUT_OF_ORDER');
  });

  it('does not use up the nonce of a rejected transaction', () => {
    const ledger = funded();
    expect(codeOf(ledger.apply(unsignedTx(alice, 0, transfer(bob.id, '500'))))).toBe('INSUFFICIENT_BALANCE');
    expect(codeOf(ledger.apply(unsignedTx(alice, 0, transfer(bob.id, '5'))))).toBe('applied');
  });

  it('refuses a from that is not an ML-DSA public key', () => {
    const tx = { ...unsignedTx(alice, 0, transfer(bob.id, '1')), from: 'ab'.repeat(100) };
    expect(codeOf(funded().apply(tx))).toBe('ACCOUNT_KEY_INVALID');
  });

  it('refuses, per block, a transaction signed for another chain', () => {
    const ledger = funded();
    const tx = unsignedTx(alice, 0, transfer(bob.id, '1'), 'other-chain');
    const executed = executeBatch(ledger.state, [{ tx, hash: txHashOf(tx) }], 10, TEST_CHAIN_ID);
    expect(executed.outcomes[0]).toMatchObject({ kind: 'rejected', code: 'CHAIN_ID_MISMATCH' });
    expect(executed.included).toEqual([]);
  });
});
