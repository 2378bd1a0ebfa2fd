import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { readParam } from '../../../runtime/http.ts';
import { Identifier } from '../../../schemas/index.ts';
import { assetKey, readAssetRecord } from '../../ledger/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';

export function stateRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  /** The asset as committed: for now, the latest attested value of each of its feeds. */
  api.get('/state/assets/:id', async (c) => {
    const id = readParam(c, 'id', Identifier);
    const asset = readAssetRecord(await deps.repository.stateValue(assetKey(id)));
    if (asset === undefined) throw new AppError('ASSET_NOT_FOUND', `no asset ${id} in the ledger`);
    return c.json(asset);
  });
}
