import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { readParam } from '../../../runtime/http.ts';
import type { ConsensusStatus } from '../../../schemas/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';
import { NonNegativeIntText } from '../params.ts';

export function consensusRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  api.get('/consensus/status', (c) => c.json<ConsensusStatus>(deps.consensus.status()));

  api.get('/consensus/blocks/:height', async (c) => {
    const height = readParam(c, 'height', NonNegativeIntText);
    const block = await deps.repository.blockWithTransactions(height);
    if (block === null) throw new AppError('BLOCK_NOT_FOUND', `no block at height ${height}`);
    return c.json(block);
  });
}
