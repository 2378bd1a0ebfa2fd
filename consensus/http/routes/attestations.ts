import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { readParam } from '../../../runtime/http.ts';
import { Identifier, type Attestation } from '../../../schemas/index.ts';
import { merkleProof } from '../../crypto/merkle.ts';
import { invariant } from '../../invariant.ts';
import { attestationKey, readAttestationRecord } from '../../ledger/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';
import { withKnownSignatures } from '../known-signatures.ts';

export function attestationRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  /** The latest attested value of a feed with all a dApp needs to verify it: event, block, proof, validator keys. */
  api.get('/query/attestations/:feedId/latest', async (c) => {
    const feedId = readParam(c, 'feedId', Identifier);
    const latest = readAttestationRecord(await deps.repository.stateValue(attestationKey(feedId)));
    if (latest === undefined) throw new AppError('ATTESTATION_NOT_FOUND', `no attestation for feed ${feedId}`);
    const [committed, stored] = await Promise.all([deps.repository.committedEvent(latest.eventId), deps.repository.block(latest.height)]);
    invariant(committed !== null && stored !== null, 'latest attestation points at a missing event or block', { feedId });
    const members = deps.consensus.status().members;
    const block = await withKnownSignatures(deps, stored);
    const index = block.txHashes.indexOf(latest.txHash);
    invariant(index >= 0, 'attestation transaction is not in its block', { feedId, height: latest.height });
    const body: Attestation = {
      feedId,
      assetId: latest.assetId,
      value: latest.value,
      unit: latest.unit,
      observedAt: latest.observedAt,
      event: committed.event,
      txHash: latest.txHash,
      height: latest.height,
      block,
      proof: merkleProof(block.txHashes, index),
      // Keys of the voters known to this node: what a dApp checks the block signatures against.
      validators: members.flatMap((m) =>
        m.role === 'voter' && m.nodeId !== undefined && m.publicKey !== undefined && m.algorithm !== undefined
          ? [{ nodeId: m.nodeId, algorithm: m.algorithm, publicKey: m.publicKey, ...(m.url === undefined ? {} : { url: m.url }) }]
          : [],
      ),
    };
    return c.json(body);
  });
}
