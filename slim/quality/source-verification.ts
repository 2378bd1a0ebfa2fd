import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { CheckResult, Observation } from '../../schemas/index.ts';
import type { QualityContext } from './context.ts';
import { checkResult } from './result.ts';
import { constantTimeEqual } from '../../runtime/constant-time.ts';

/**
 * HMAC-SHA256 of a push payload, lower-case hex. The key is the UTF-8 bytes of the feed's push
 * secret as shown at registration (what `createHmac('sha256', secret)` does with a string), so a
 * device needs no decoding step. Exported for devices, demos and tests.
 */
export function signPushPayload(secret: string, signedPayload: string): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(signedPayload)));
}

/**
 * Step 5: the source proved who it is. Push: the reading's HMAC must verify with the feed's secret.
 * Pull: an authenticated endpoint over TLS is trusted fully, over plain HTTP (a local mirror) a
 * little less, an unauthenticated source half.
 */
export function checkSourceVerification(observation: Observation, ctx: QualityContext): CheckResult {
  if (ctx.push !== undefined) return verifyPush(ctx.push);
  return verifyPull(observation, ctx);
}

/** How many feeds' keyed HMAC states are kept: one per push feed a worker serves, bounded like everything else. */
export const KEYED_HMAC_CACHE_MAX = 1_024;
const keyedHmacs = new Map<string, ReturnType<typeof hmac.create>>();

/**
 * The same HMAC-SHA256 as `signPushPayload`, with the key schedule (inner and outer pad blocks)
 * computed once per secret and cloned per reading: half the SHA-256 compressions of a short payload.
 * A cache of derived state, not of answers: the result is that of `signPushPayload` for any input.
 */
function pushHmacHex(secret: string, signedPayload: string): string {
  let keyed = keyedHmacs.get(secret);
  if (keyed === undefined) {
    if (keyedHmacs.size >= KEYED_HMAC_CACHE_MAX) {
      const oldest = keyedHmacs.keys().next();
      if (oldest.done !== true) keyedHmacs.delete(oldest.value);
    }
    keyed = hmac.create(sha256, utf8ToBytes(secret));
    keyedHmacs.set(secret, keyed);
  }
  return bytesToHex(keyed.clone().update(utf8ToBytes(signedPayload)).digest());
}

function verifyPush(push: NonNullable<QualityContext['push']>): CheckResult {
  if (push.signature === undefined) return checkResult('source_verification', 0.5, 'unsigned push');
  if (push.secret === null) return checkResult('source_verification', 0, 'signed push but the feed has no push secret to verify it');
  const expected = pushHmacHex(push.secret, push.signedPayload);
  return constantTimeEqual(expected, push.signature.toLowerCase())
    ? checkResult('source_verification', 1, 'push signature verified (HMAC-SHA256)')
    : checkResult('source_verification', 0, 'push signature does not match: forged or signed with another secret');
}

function verifyPull(observation: Observation, ctx: QualityContext): CheckResult {
  const { authentication, url } = observation.source;
  switch (authentication) {
    case 'none':
      return checkResult('source_verification', 0.5, 'unauthenticated source');
    case 'signed':
      // A pulled observation cannot carry a device signature; claiming one without proof is suspect.
      return checkResult('source_verification', 0, 'claims a signature but no push signature was checked');
    case 'registered_endpoint':
    case 'api_key':
      return verifyEndpoint(url, ctx);
  }
}

function verifyEndpoint(url: string | undefined, ctx: QualityContext): CheckResult {
  if (url === undefined) return checkResult('source_verification', 0, 'authenticated source without a URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return checkResult('source_verification', 0, `source URL "${url}" is not a URL`);
  }
  // "Registered endpoint" means the feed's own base URL: an observation fetched elsewhere is not it.
  const source = ctx.feed?.source;
  if (source?.adapter === 'open-meteo' && !isUnder(parsed, source.params.baseUrl)) {
    return checkResult('source_verification', 0, `source URL is not under the feed's registered ${source.params.baseUrl}`);
  }
  if (parsed.protocol === 'https:') return checkResult('source_verification', 1, `registered endpoint over https (${parsed.host})`);
  if (parsed.protocol === 'http:') return checkResult('source_verification', 0.9, `unencrypted transport (${parsed.host})`);
  return checkResult('source_verification', 0, `unsupported transport ${parsed.protocol}`);
}

function isUnder(url: URL, base: string): boolean {
  let b: URL;
  try {
    b = new URL(base);
  } catch {
    return false;
  }
  const basePath = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
  return url.origin === b.origin && (url.pathname + '/').startsWith(basePath);
}
