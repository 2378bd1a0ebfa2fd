/**
 * Signed transactions for the load mix: each registers an asset from an account of its own
 * (nonce 0), so none depends on another's order of arrival. Signed before the stages (ML-DSA
 * signing costs milliseconds, which the generator must not spend while it keeps its rate).
 */
import { randomBytes } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { signTransaction } from '../../schemas/transaction-signing.ts';
import type { UnsignedUserTransaction } from '../../schemas/index.ts';

/** The body of `POST /transaction` for one fresh register_asset. */
export function registerAssetBody(chainId: string): string {
  const keys = ml_dsa44.keygen(randomBytes(32));
  const tx: UnsignedUserTransaction = {
    type: 'register_asset',
    chainId,
    nonce: 0,
    from: bytesToHex(keys.publicKey),
    assetId: `load-${randomBytes(8).toString('hex')}`,
    category: 'market',
    totalUnits: '1000',
    feeds: [],
    metadata: { name: 'load test asset' },
  };
  return JSON.stringify(signTransaction(tx, keys.secretKey));
}

/** `count` bodies signed now, handed out in turn; past the last, the generator signs on demand. */
export function presignedTransactions(chainId: string, count: number): () => string {
  const bodies = Array.from({ length: count }, () => registerAssetBody(chainId));
  let next = 0;
  return () => bodies[next++] ?? registerAssetBody(chainId);
}
