import type { MintTx } from '../../schemas/index.ts';
import { checkSigner } from './account-book.ts';
import { tokenKey } from './keys.ts';
import { checkReserve } from './reserve-policy.ts';
import { reject, type ApplyResult } from './result.ts';
import type { StateView } from './state.ts';
import { readTokenRecord } from './token-records.ts';
import { fromUnits, toUnits } from './units.ts';

/** Mint: only the issuer, never past totalUnits, and within the reserve when the asset has a policy. */
export function applyMint(state: StateView, tx: MintTx): ApplyResult {
  const checked = checkSigner(state, tx);
  if ('kind' in checked) return checked;
  const token = readTokenRecord(state.get(tokenKey(tx.assetId)));
  if (token === undefined) return reject('ASSET_UNKNOWN', `asset ${tx.assetId} is not registered`);
  if (token.issuer !== checked.signer) return reject('NOT_ISSUER', `only the issuer ${token.issuer} mints asset ${tx.assetId}`);
  const units = toUnits(tx.units);
  if (units === 0n) return reject('AMOUNT_ZERO', 'units must be at least 1');
  const issued = toUnits(token.issued) + units;
  if (issued > toUnits(token.totalUnits)) {
    return reject('SUPPLY_EXCEEDED', `minting ${units} would issue ${issued} units of ${tx.assetId}, above its total of ${token.totalUnits}`);
  }
  if (token.mintPolicy !== null) {
    const outstanding = issued - toUnits(token.burned) - toUnits(token.retired);
    const refused = checkReserve(state, token.mintPolicy, outstanding);
    if (refused !== null) return refused;
  }
  checked.book.credit(tx.to, tx.assetId, units);
  const writes = new Map<string, unknown>([[tokenKey(tx.assetId), { ...token, issued: fromUnits(issued) }]]);
  checked.book.writeInto(writes);
  return { kind: 'applied', writes, attested: null };
}
