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

/**
 * What is stored and looked up: the SHA-256 of the key. The key has 256 bits of entropy,
 * so a fast unsalted hash is enough (no password stretching needed), and it lets us look a key up by it.
 */
export const hashApiKey = (key: string): string => sha256Hex(key);

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
