import type { Hono } from 'hono';
import { AppError } from '../../../runtime/errors.ts';
import { readParam } from '../../../runtime/http.ts';
import { Hash32, type TransactionReceipt } from '../../../schemas/index.ts';
import { merkleProof } from '../../crypto/merkle.ts';
import { invariant } from '../../invariant.ts';
import type { ValidatorHttpDeps } from '../deps.ts';
import { withKnownSignatures } from '../known-signatures.ts';

export function transactionRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  api.get('/transaction/:hash', async (c) => {
    const hash = readParam(c, 'hash', Hash32);
    const stored = await deps.repository.transaction(hash);
    if (stored !== null) {
      const block = await deps.repository.block(stored.height);
      invariant(block !== null, 'a stored transaction points at a missing block', { hash, height: stored.height });
      const proof = merkleProof(block.txHashes, stored.index);
      invariant(proof.leaf === hash && proof.root === block.header.txRoot, 'stored transaction is not under its block txRoot', { hash });
      // The block header with every signature known, so the proof can be checked against a quorum.
      const signed = await withKnownSignatures(deps, block);
      const receipt: TransactionReceipt = { hash, status: 'committed', transaction: stored.tx, height: stored.height, index: stored.index, block: signed, proof };
      return c.json(receipt);
    }
    const pending = deps.consensus.pendingTransaction(hash);
    if (pending === undefined) {
      const refused = deps.submissions.rejected(hash);
      if (refused === undefined) throw new AppError('TX_NOT_FOUND', `no transaction ${hash}`);
      const receipt: TransactionReceipt = { hash, status: 'rejected', transaction: refused.tx, height: null, index: null, block: null, proof: null, rejection: refused.rejection };
      return c.json(receipt);
    }
    const receipt: TransactionReceipt = { hash, status: 'pending', transaction: pending, height: null, index: null, block: null, proof: null };
    return c.json(receipt);
  });
}
