import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { readParam } from '../../../runtime/http.ts';
import { AccountId, Identifier, type AccountState } from '../../../schemas/index.ts';
import { accountKey, assetKey, readAccountRecord, readAssetRecord, readTokenRecord, tokenKey } from '../../ledger/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';

export function stateRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  /**
   * The asset as committed: the latest attested value of each of its feeds and, once registered,
   * its token (issuer, total, issued/burned/retired units, mint policy).
   */
  api.get('/state/assets/:id', async (c) => {
    const id = readParam(c, 'id', Identifier);
    const [asset, token] = await Promise.all([
      deps.repository.stateValue(assetKey(id)).then(readAssetRecord),
      deps.repository.stateValue(tokenKey(id)).then(readTokenRecord),
    ]);
    if (asset === undefined && token === undefined) throw new AppError('ASSET_NOT_FOUND', `no asset ${id} in the ledger`);
    return c.json({ assetId: id, feeds: asset?.feeds ?? {}, token: token ?? null });
  });

  /** An account by id (hex SHA-256 of its public key): the nonce it signs with next, its balances and retired units. */
  api.get('/state/accounts/:id', async (c) => {
    const id = readParam(c, 'id', AccountId);
    const account = readAccountRecord(await deps.repository.stateValue(accountKey(id)));
    // Every account exists with nothing in it: a key that never transacted signs nonce 0.
    const state: AccountState = { accountId: id, nonce: account?.nonce ?? 0, balances: account?.balances ?? {}, retired: account?.retired ?? {} };
    return c.json(state);
  });
}
