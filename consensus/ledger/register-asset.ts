import type { RegisterAssetTx } from '../../schemas/index.ts';
import { checkSigner } from './account-book.ts';
import { tokenKey } from './keys.ts';
import { reject, type ApplyContext, type ApplyResult } from './result.ts';
import type { StateView } from './state.ts';
import { readTokenRecord, type TokenRecord } from './token-records.ts';
import { toUnits } from './units.ts';

/** Register asset: the signer becomes its issuer; nothing is issued until it mints. */
export function applyRegisterAsset(state: StateView, tx: RegisterAssetTx, ctx: ApplyContext): ApplyResult {
  const checked = checkSigner(state, tx);
  if ('kind' in checked) return checked;
  if (readTokenRecord(state.get(tokenKey(tx.assetId))) !== undefined) return reject('ASSET_EXISTS', `asset ${tx.assetId} is already registered`);
  if (toUnits(tx.totalUnits) === 0n) return reject('AMOUNT_ZERO', 'totalUnits must be at least 1');
  if (new Set(tx.feeds).size !== tx.feeds.length) return reject('ASSET_INVALID', 'feeds lists a feed more than once');
  const policy = tx.mintPolicy ?? null;
  if (policy !== null && !tx.feeds.includes(policy.feedId)) {
    return reject('ASSET_INVALID', `the mint policy's feed ${policy.feedId} is not one of the asset's feeds`);
  }
  if (policy !== null && toUnits(policy.unitsPerValue) === 0n) return reject('ASSET_INVALID', "the mint policy's unitsPerValue must be at least 1");

  const token: TokenRecord = {
    assetId: tx.assetId,
    category: tx.category,
    issuer: checked.signer,
    totalUnits: tx.totalUnits,
    feeds: [...tx.feeds],
    metadata: { ...tx.metadata },
    mintPolicy: policy,
    issued: '0',
    burned: '0',
    retired: '0',
    registered: { txHash: ctx.txHash, height: ctx.height },
  };
  const writes = new Map<string, unknown>([[tokenKey(tx.assetId), token]]);
  checked.book.writeInto(writes);
  return { kind: 'applied', writes, attested: null };
}
