import { createHash } from 'node:crypto';
import { canonicalJson } from '../../runtime/canonical-json.ts';
import { hashValue } from '../../runtime/hash.ts';
import type { BlockHeader, Transaction } from '../../schemas/index.ts';

/** prevHash of the genesis block. */
export const ZERO_HASH = '0'.repeat(64);

/**
 * A transaction's hash: SHA-256 of its canonical JSON, so every node derives it alike (the same
 * value as hashValue). node:crypto here: signed user transactions are kilobytes, hashed on the hot path.
 */
export function txHashOf(tx: Transaction): string {
  let hash = txHashes.get(tx);
  if (hash === undefined) {
    hash = createHash('sha256').update(canonicalJson(tx)).digest('hex');
    txHashes.set(tx, hash);
  }
  return hash;
}

/** The same transaction object is hashed at submission, in the mempool and in its block: once is enough (transactions are never mutated). */
const txHashes = new WeakMap<Transaction, string>();

/** A block's hash: SHA-256 of its header's canonical JSON; this is what validators sign. */
export const blockHashOf = (header: BlockHeader): string => hashValue(header);
