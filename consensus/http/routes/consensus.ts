import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { readParam } from '../../../runtime/http.ts';
import type { BlockWithFinality, ConsensusStatus } from '../../../schemas/index.ts';
import { knownSignatures, memoizedSignatureChecker } from '../../chain/cosign.ts';
import { finalityOf } from '../../chain/finality.ts';
import type { ValidatorHttpDeps } from '../deps.ts';
import { memberKeyOf } from '../known-signatures.ts';
import { NonNegativeIntText } from '../params.ts';

/** Signature checks remembered per node: a few signatures for each of the blocks read recently. */
const CHECKED_SIGNATURES_MAX = 10_000;

export function consensusRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  const check = memoizedSignatureChecker(CHECKED_SIGNATURES_MAX);
  api.get('/consensus/status', (c) => c.json<ConsensusStatus>(deps.consensus.status()));

  /** The block with every signature this node knows and whether they make it final. */
  api.get('/consensus/blocks/:height', async (c) => {
    const height = readParam(c, 'height', NonNegativeIntText);
    const [block, coSignatures] = await Promise.all([deps.repository.blockWithTransactions(height), deps.repository.blockSignatures(height)]);
    if (block === null) throw new AppError('BLOCK_NOT_FOUND', `no block at height ${height} on this node`);
    const status = deps.consensus.status();
    // A single validator is its only voter.
    const voters = deps.voters?.() ?? [status.nodeId];
    const signatures = knownSignatures(block.signatures, coSignatures, memberKeyOf(status.members));
    const body: BlockWithFinality = { ...block, signatures, finality: finalityOf(block.hash, signatures, voters, check) };
    return c.json(body);
  });
}
