import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { txHashOf } from '../../../consensus/chain/index.ts';
import { applyTransaction, type ApplyResult } from '../../../consensus/ledger/index.ts';
import type { Transaction, UnsignedUserTransaction, UserTransaction } from '../../../schemas/index.ts';
import { accountIdOf, signTransaction } from '../../../schemas/transaction-signing.ts';

export const TEST_CHAIN_ID = 'test-chain';

export interface TestAccount {
  publicKey: string;
  secretKey: Uint8Array;
  id: string;
}

const accounts = new Map<number, TestAccount>();

/** A deterministic ML-DSA-44 account per number (key generation costs milliseconds: each is made once). */
export function testAccount(n: number): TestAccount {
  let account = accounts.get(n);
  if (account === undefined) {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, n + 1);
    const keys = ml_dsa44.keygen(seed);
    const publicKey = bytesToHex(keys.publicKey);
    account = { publicKey, secretKey: keys.secretKey, id: accountIdOf(publicKey) };
    accounts.set(n, account);
  }
  return account;
}

type Body<T> = T extends UserTransaction ? Omit<T, 'chainId' | 'nonce' | 'from' | 'signature'> : never;
export type UserTxBody = Body<UserTransaction>;

/**
 * A user transaction from `account` with a placeholder signature: applying never verifies
 * signatures (admission does), so ledger tests need not pay for signing.
 */
export function unsignedTx(account: TestAccount, nonce: number, body: UserTxBody, chainId = TEST_CHAIN_ID): UserTransaction {
  return { ...body, chainId, nonce, from: account.publicKey, signature: '00' } as UserTransaction;
}

/** The same, really signed. */
export function signedTx(account: TestAccount, nonce: number, body: UserTxBody, chainId = TEST_CHAIN_ID): UserTransaction {
  const unsigned = { ...body, chainId, nonce, from: account.publicKey } as UnsignedUserTransaction;
  return signTransaction(unsigned, account.secretKey) as UserTransaction;
}

/** A ledger in memory: applies transactions one per height and keeps their writes when they apply. */
export class MemoryLedger {
  readonly state = new Map<string, unknown>();
  private height = 0;
  /** Next nonce per account id, as the test's signer sees it. */
  private readonly nonces = new Map<string, number>();

  apply(tx: Transaction): ApplyResult {
    const result = applyTransaction(this.state, tx, { height: ++this.height, txHash: txHashOf(tx) });
    if (result.kind === 'applied') for (const [k, v] of result.writes) this.state.set(k, v);
    return result;
  }

  /** Builds `account`'s next transaction (nonce counted here) and applies it; the nonce moves only when it applied. */
  submit(account: TestAccount, body: UserTxBody): ApplyResult {
    const nonce = this.nonces.get(account.id) ?? 0;
    const result = this.apply(unsignedTx(account, nonce, body));
    if (result.kind === 'applied') this.nonces.set(account.id, nonce + 1);
    return result;
  }
}
