import type { UserTransaction } from '../../schemas/index.ts';
import { invariant } from '../invariant.ts';
import { accountOfKey } from './account-key.ts';
import { accountKey } from './keys.ts';
import { reject, type Rejection } from './result.ts';
import type { StateView } from './state.ts';
import { emptyAccount, readAccountRecord, type AccountRecord } from './token-records.ts';
import { fromUnits, toUnits } from './units.ts';

/**
 * The accounts one transaction touches, as working copies: read once from the state,
 * changed in memory, written back as one write per account. Balances never go below zero.
 */
export class AccountBook {
  private readonly touched = new Map<string, AccountRecord>();

  constructor(private readonly state: StateView) {}

  get(accountId: string): AccountRecord {
    let account = this.touched.get(accountId);
    if (account === undefined) {
      const stored = readAccountRecord(this.state.get(accountKey(accountId))) ?? emptyAccount();
      account = { nonce: stored.nonce, balances: { ...stored.balances }, retired: { ...stored.retired } };
      this.touched.set(accountId, account);
    }
    return account;
  }

  balance(accountId: string, assetId: string): bigint {
    return toUnits(unitsOf(this.get(accountId).balances, assetId));
  }

  credit(accountId: string, assetId: string, units: bigint): void {
    setUnits(this.get(accountId).balances, assetId, this.balance(accountId, assetId) + units);
  }

  /** The caller checked the balance first: going negative here is a bug. */
  debit(accountId: string, assetId: string, units: bigint): void {
    const after = this.balance(accountId, assetId) - units;
    invariant(after >= 0n, 'a debit below zero', { accountId, assetId });
    setUnits(this.get(accountId).balances, assetId, after);
  }

  addRetired(accountId: string, assetId: string, units: bigint): void {
    const retired = this.get(accountId).retired;
    setUnits(retired, assetId, toUnits(unitsOf(retired, assetId)) + units);
  }

  writeInto(writes: Map<string, unknown>): void {
    for (const [id, account] of this.touched) writes.set(accountKey(id), account);
  }
}

/**
 * Own entries only: an asset id may be any identifier, `constructor` or `toString` too, which a
 * plain object would otherwise answer from its prototype.
 */
function unitsOf(record: Record<string, string>, assetId: string): string {
  return Object.hasOwn(record, assetId) ? record[assetId]! : '0';
}

/** Zero balances are dropped, so two ledgers with the same holdings have the same records. */
function setUnits(into: Record<string, string>, assetId: string, units: bigint): void {
  if (units === 0n) delete into[assetId];
  else into[assetId] = fromUnits(units);
}

export interface SignerCheck {
  /** The signer's account id. */
  signer: string;
  book: AccountBook;
}

/**
 * What every user transaction checks first, in this order: a well-formed key and the signer's
 * next nonce (a lower one is a replay, a higher one arrived before its predecessor). The signature
 * itself was verified at admission (see consensus/ledger/admission.ts): Raft members trust each
 * other's log, so applying does not verify it again.
 */
export function checkSigner(state: StateView, tx: UserTransaction): SignerCheck | Rejection {
  const key = accountOfKey(tx.from);
  if (key === undefined) return reject('ACCOUNT_KEY_INVALID', `'from' is not an ML-DSA-44, -65 or -87 public key (${tx.from.length / 2} bytes)`);
  const signer = key.id;
  const book = new AccountBook(state);
  const expected = book.get(signer).nonce;
  if (tx.nonce < expected) return reject('NONCE_REPLAYED', `nonce ${tx.nonce} of account ${signer} is already used; the next is ${expected}`);
  if (tx.nonce > expected) return reject('NONCE_OUT_OF_ORDER', `nonce ${tx.nonce} of account ${signer} is ahead of its next nonce ${expected}; submit that one first`);
  book.get(signer).nonce = expected + 1;
  return { signer, book };
}
