import { createHash } from 'node:crypto';
import type { FeedSource } from '../../schemas/index.ts';

/** Bumped when the stored entry's shape changes, so old entries are never read as new ones. */
const KEY_VERSION = 'v1';

/**
 * The cache key of a source request: the adapter and a hash of its canonical params (keys sorted,
 * defaults already applied by the feed schema). The whole params, metric included: the metric
 * decides the observation's `value` and `unit` (and, for Alpaca, which endpoint is asked), so two
 * feeds share an entry exactly when their adapter would produce the same observation. Credentials
 * are operator configuration, never params, so they never reach a key. Hashed to bound the key
 * length (a RentCast address may be 256 characters) and to keep params out of Redis key listings.
 */
export function sourceCacheKey(source: FeedSource): string {
  const digest = createHash('sha256').update(canonicalJson(source)).digest('base64url');
  return `${KEY_VERSION}:${source.adapter}:${digest}`;
}

/** JSON with object keys sorted at every depth: the same params give the same text whatever their order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sorted((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
