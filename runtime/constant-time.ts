import { utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Compares two strings in time independent of where they first differ, so a caller cannot learn
 * a secret or a signature byte by byte from response timing. Length is not treated as secret.
 * Portable (no node:crypto), so pure code such as the quality chain can use it.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = utf8ToBytes(a);
  const y = utf8ToBytes(b);
  if (x.length !== y.length) return false;
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] as number) ^ (y[i] as number);
  return diff === 0;
}
