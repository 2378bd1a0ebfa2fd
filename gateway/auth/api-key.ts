import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256Hex } from '../../runtime/hash.ts';

/** Keys look like `ok_<43 base64url characters>`: 32 random bytes, so guessing one is hopeless. */
export const API_KEY_PREFIX = 'ok_';
export const API_KEY_RANDOM_BYTES = 32;
/** Longer presented tokens are rejected unhashed: no key of ours (or a configured one) comes close. */
export const API_KEY_LENGTH_MAX_CHARS = 512;

/** A new secret from the platform's CSPRNG (Web Crypto, so this runs on any runtime). */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(API_KEY_RANDOM_BYTES));
  return `${API_KEY_PREFIX}${base64url(bytes)}`;
}

/** Marks a stored hash as HMAC-SHA256 under the pepper; a bare hex hash is the legacy SHA-256. */
export const PEPPERED_HASH_PREFIX = 'hmac1:';

/**
 * What is stored and looked up: HMAC-SHA256 of the key under the gateway's pepper. A generated key
 * has 256 bits of entropy, so no stretching is needed and the hash can be an index; the pepper
 * (kept apart from the key table) also covers a configured, possibly weaker key, should the table leak.
 */
export const hashApiKey = (key: string, pepper: string): string =>
  `${PEPPERED_HASH_PREFIX}${bytesToHex(hmac(sha256, utf8ToBytes(pepper), utf8ToBytes(key)))}`;

/** How keys were stored before the pepper: still accepted, and replaced by the peppered hash on first use. */
export const legacyHashApiKey = (key: string): string => sha256Hex(key);

export const isPepperedHash = (stored: string): boolean => stored.startsWith(PEPPERED_HASH_PREFIX);

export const generateKeyId = (): string => `key_${crypto.randomUUID().replaceAll('-', '')}`;

/**
 * The token of an `Authorization: Bearer <token>` header. `undefined` when the header is absent;
 * `null` when it is present but not a usable bearer token (so the caller can say which).
 */
export function parseBearer(header: string | undefined): string | null | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  const token = match?.[1];
  if (token === undefined || token.length > API_KEY_LENGTH_MAX_CHARS) return null;
  return token;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}
