import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ACCOUNT_PUBLIC_KEY_BYTES } from '../../schemas/transaction-signing.ts';
import type { SignatureAlgorithm } from '../../schemas/index.ts';

const ALGORITHM_BY_HEX_LENGTH = new Map<number, SignatureAlgorithm>(
  (Object.entries(ACCOUNT_PUBLIC_KEY_BYTES) as [SignatureAlgorithm, number][]).map(([algorithm, bytes]) => [bytes * 2, algorithm]),
);

/**
 * The algorithm and account id of a hex ML-DSA public key, or undefined when it is none: the same
 * answers as accountAlgorithm and accountIdOf (schemas/transaction-signing.ts), with node:crypto,
 * since every user transaction pays for it several times on the node's hot path. `publicKeyHex`
 * is lower-case hex by the transaction schema, which every transaction passed before it got here.
 */
export function accountOfKey(publicKeyHex: string): { algorithm: SignatureAlgorithm; id: string } | undefined {
  const algorithm = algorithmOfKey(publicKeyHex);
  if (algorithm === undefined) return undefined;
  let id = accountIds.get(publicKeyHex);
  if (id === undefined) {
    id = createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex');
    accountIds.set(publicKeyHex, id);
  }
  return { algorithm, id };
}

/**
 * Account ids of recently seen keys. A transaction asks for its sender's id at admission, again for
 * each of the sender's pending transactions, at release and when its block applies: the same key
 * string each time, so a hit is a lookup instead of a hex decode and a SHA-256. Bounded, since
 * each entry holds its key (2.6 to 5.2 KB of hex): at most ~10 MB.
 */
const accountIds = new LRUCache<string, string>({ max: 2_048 });

/** The parameter set of a hex public key from its length alone. */
export const algorithmOfKey = (publicKeyHex: string): SignatureAlgorithm | undefined => ALGORITHM_BY_HEX_LENGTH.get(publicKeyHex.length);
