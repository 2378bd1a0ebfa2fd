import { createHash } from 'node:crypto';
import { canonicalJson } from '../../runtime/canonical-json.ts';
import { merkleRoot } from '../crypto/merkle.ts';
import type { LedgerState } from './state.ts';

/**
 * The state root, defined so that a block's cost does not grow with the ledger:
 * every key falls in one of 4096 buckets (the first 12 bits of sha256(key)); a bucket's root is
 * the Merkle root of its entries sorted by key; the state root is the Merkle root of the 4096
 * bucket roots in bucket order. A block rehashes only the buckets it writes and their paths
 * (`StateTree`); this file is the plain definition every implementation must agree with.
 */
export const STATE_BUCKET_BITS = 12;
export const STATE_BUCKETS = 1 << STATE_BUCKET_BITS;

/**
 * Orders strings by Unicode code point. `Array.prototype.sort` compares UTF-16 code units,
 * which puts U+E000..U+FFFF after astral characters; every implementation must agree, so spell it out.
 */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return a.length - i === b.length - j ? 0 : a.length - i < b.length - j ? -1 : 1;
}

// node:crypto for SHA-256 here: every write of every block hashes its key and entry (same values as @noble/hashes).

/** The item hash of one state entry: sha256 of canonicalJson([key, value]). */
export const stateEntryHash = (key: string, value: unknown): string => createHash('sha256').update(canonicalJson([key, value])).digest('hex');

/** The bucket of a key: the first STATE_BUCKET_BITS bits of sha256(key). */
export function stateBucketOf(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  return ((digest[0]! << 8) | digest[1]!) >>> (16 - STATE_BUCKET_BITS);
}

/** Root of one bucket: its entries' item hashes in key order. */
export function bucketRoot(entries: ReadonlyMap<string, string>): string {
  const keys = [...entries.keys()].sort(compareCodePoints);
  return merkleRoot(keys.map((k) => entries.get(k)!));
}

/**
 * The state root computed from scratch over `state` with `writes` layered on top. Linear in the
 * state: the reference for tests and start-up checks; blocks use `StateTree`.
 */
export function stateRoot(state: LedgerState, writes: ReadonlyMap<string, unknown> = new Map()): string {
  const buckets = Array.from({ length: STATE_BUCKETS }, () => new Map<string, string>());
  const put = (key: string, value: unknown) => buckets[stateBucketOf(key)]!.set(key, stateEntryHash(key, value));
  for (const [key, value] of state) if (!writes.has(key)) put(key, value);
  for (const [key, value] of writes) put(key, value);
  return merkleRoot(buckets.map(bucketRoot));
}

/** Root of the empty ledger: genesis carries it. */
export const EMPTY_STATE_ROOT = stateRoot(new Map());
