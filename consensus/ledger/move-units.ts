import type { BurnTx, RetireTx, TransferTx } from '../../schemas/index.ts';
import { checkSigner, type SignerCheck } from './account-book.ts';
import { retirementKey, tokenKey } from './keys.ts';
import { reject, type ApplyContext, type ApplyResult, type Rejection } from './result.ts';
import type { StateView } from './state.ts';
import { readTokenRecord, type RetirementRecord, type TokenRecord } from './token-records.ts';
import { fromUnits, toUnits } from './units.ts';

interface Spend extends SignerCheck {
  token: TokenRecord;
  units: bigint;
}

/** What transfer, burn and retire share: a known asset, a non-zero amount, and the signer holding it. */
function checkSpend(state: StateView, tx: TransferTx | BurnTx | RetireTx): Spend | Rejection {
  const checked = checkSigner(state, tx);
  if ('kind' in checked) return checked;
  const token = readTokenRecord(state.get(tokenKey(tx.assetId)));
  if (token === undefined) return reject('ASSET_UNKNOWN', `asset ${tx.assetId} is not registered`);
  const units = toUnits(tx.units);
  if (units === 0n) return reject('AMOUNT_ZERO', 'units must be at least 1');
  const held = checked.book.balance(checked.signer, tx.assetId);
  if (held < units) return reject('INSUFFICIENT_BALANCE', `account ${checked.signer} holds ${held} units of ${tx.assetId}, not ${units}`);
  return { ...checked, token, units };
}

/** Transfer: units move between accounts; supply is unchanged. */
export function applyTransfer(state: StateView, tx: TransferTx): ApplyResult {
  const spend = checkSpend(state, tx);
  if ('kind' in spend) return spend;
  if (tx.to === spend.signer) return reject('TRANSFER_TO_SELF', 'a transfer to the sending account moves nothing');
  spend.book.debit(spend.signer, tx.assetId, spend.units);
  spend.book.credit(tx.to, tx.assetId, spend.units);
  const writes = new Map<string, unknown>();
  spend.book.writeInto(writes);
  return { kind: 'applied', writes, attested: null };
}

/** Burn: the holder destroys units; outstanding supply shrinks. */
export function applyBurn(state: StateView, tx: BurnTx): ApplyResult {
  const spend = checkSpend(state, tx);
  if ('kind' in spend) return spend;
  spend.book.debit(spend.signer, tx.assetId, spend.units);
  const writes = new Map<string, unknown>([[tokenKey(tx.assetId), { ...spend.token, burned: fromUnits(toUnits(spend.token.burned) + spend.units) }]]);
  spend.book.writeInto(writes);
  return { kind: 'applied', writes, attested: null };
}

/**
 * Retire (carbon credits): the units leave the holder's balance for good and are counted as
 * retired on the account and the asset, with a certificate under the transaction's hash.
 * Nothing ever credits a retired unit back, so it can never move again.
 */
export function applyRetire(state: StateView, tx: RetireTx, ctx: ApplyContext): ApplyResult {
  const spend = checkSpend(state, tx);
  if ('kind' in spend) return spend;
  if (spend.token.category !== 'carbon') return reject('RETIRE_NOT_CARBON', `asset ${tx.assetId} is ${spend.token.category}; only carbon credits are retired`);
  spend.book.debit(spend.signer, tx.assetId, spend.units);
  spend.book.addRetired(spend.signer, tx.assetId, spend.units);
  const certificate: RetirementRecord = {
    account: spend.signer,
    assetId: tx.assetId,
    units: fromUnits(spend.units),
    beneficiary: tx.beneficiary ?? null,
    height: ctx.height,
  };
  const writes = new Map<string, unknown>([
    [tokenKey(tx.assetId), { ...spend.token, retired: fromUnits(toUnits(spend.token.retired) + spend.units) }],
    [retirementKey(ctx.txHash), certificate],
  ]);
  spend.book.writeInto(writes);
  return { kind: 'applied', writes, attested: null };
}
