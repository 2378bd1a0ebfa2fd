import { canonicalJson } from '../../runtime/canonical-json.ts';
import { sha256Hex } from '../../runtime/hash.ts';
import { merkleRoot } from '../crypto/merkle.ts';
import type { LedgerState } from './state.ts';

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

/** The item hash of one state entry: sha256 of canonicalJson([key, value]). */
export const stateEntryHash = (key: string, value: unknown): string => sha256Hex(canonicalJson([key, value]));

/**
 * Merkle root over the state's entries sorted by key (code point order).
 * `writes` are layered over `state` without copying it. Cost: one hash per entry per block;
 * fine for this stage, an incremental tree is the next step when the state grows large.
 */
export function stateRoot(state: LedgerState, writes: ReadonlyMap<string, unknown> = new Map()): string {
  const keys = new Set(state.keys());
  for (const key of writes.keys()) keys.add(key);
  const sorted = [...keys].sort(compareCodePoints);
  return merkleRoot(sorted.map((key) => stateEntryHash(key, writes.has(key) ? writes.get(key) : state.get(key))));
}
