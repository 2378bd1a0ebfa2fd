import { createHmac } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { CheckResult, Observation } from '../../schemas/index.ts';
import type { PushContext, QualityContext } from './context.ts';
import { checkResult } from './result.ts';
import { parsedUrl, type ParsedUrl } from './parsed-url.ts';
import { observedAtMs } from './timestamps.ts';

/**
 * HMAC-SHA256 of a push payload, lower-case hex. The key is the UTF-8 bytes of the device's secret
 * as shown at its registration (what `createHmac('sha256', secret)` does with a string), so a
 * device needs no decoding step. Exported for devices, demos and tests.
 */
export function signPushPayload(secret: string, signedPayload: string): string {
  return bytesToHex(hmac(sha256, utf8ToBytes(secret), utf8ToBytes(signedPayload)));
}

/**
 * Step 5: the source proved who it is. Push: the feed's device is registered and in service, and a
 * signed reading verifies with its key, is fresh, and carries a nonce not seen before. Pull: an
 * authenticated endpoint over TLS is trusted fully, over plain HTTP (a local mirror) a little less,
 * an unauthenticated source half.
 */
export function checkSourceVerification(observation: Observation, ctx: QualityContext): CheckResult {
  if (ctx.push !== undefined) return verifyPush(observation, ctx.push, ctx.now);
  return verifyPull(observation, ctx);
}

/**
 * The same HMAC-SHA256 as `signPushPayload`, from node:crypto: verification runs on every signed
 * reading, and there the native HMAC measured about 5× faster than the portable one (`npm run bench -- quality`).
 */
function pushHmacHex(secret: string, signedPayload: string): string {
  return createHmac('sha256', secret).update(signedPayload).digest('hex');
}

/** Whether `signature` is the HMAC of `signedPayload` under `secret` (compared in constant time, any case). */
export function pushSignatureValid(secret: string, signedPayload: string, signature: string): boolean {
  return hexDigestEquals(pushHmacHex(secret, signedPayload), signature);
}

/**
 * `constantTimeEqual(digestHex, signature.toLowerCase())` without encoding either string: the digest
 * is lower-case ASCII hex, so the signature matches exactly when it has the same UTF-16 units with
 * ASCII capitals folded (no other character lower-cases to a hex digit). Time depends on the lengths only.
 */
function hexDigestEquals(digestHex: string, signature: string): boolean {
  if (digestHex.length !== signature.length) return false;
  let diff = 0;
  for (let i = 0; i < digestHex.length; i++) {
    const c = signature.charCodeAt(i);
    diff |= digestHex.charCodeAt(i) ^ (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
  }
  return diff === 0;
}

/**
 * Whether a signed reading observed at `observedAt` lies in [now − window, now + skew]: only there is
 * its nonce still remembered, so only there can a replay be told from a first sighting.
 */
export function withinReplayWindow(observedAt: string, now: Date, windowMs: number, clockSkewMs: number): boolean {
  const t = observedAtMs(observedAt);
  if (!Number.isFinite(t)) return false;
  const nowMs = now.getTime();
  return t >= nowMs - windowMs && t <= nowMs + clockSkewMs;
}

function verifyPush(observation: Observation, push: PushContext, now: Date): CheckResult {
  const device = push.device;
  if (device === null) return checkResult('source_verification', 0, 'unknown device: the feed names no registered device');
  if (device.revokedAt !== null) return checkResult('source_verification', 0, `device ${device.id} was revoked at ${device.revokedAt}`);
  if (push.signature === undefined) return checkResult('source_verification', 0.5, 'unsigned push (API key only)');
  if (push.signedPayload === null || push.nonce === undefined) {
    return checkResult('source_verification', 0, 'signed push without a nonce: replays could not be told apart');
  }
  if (!pushSignatureValid(device.secret, push.signedPayload, push.signature)) {
    return checkResult('source_verification', 0, `push signature does not match device ${device.id}'s key: forged, altered or signed with another key`);
  }
  if (!withinReplayWindow(observation.observedAt, now, push.windowMs, push.clockSkewMs)) {
    return checkResult(
      'source_verification',
      0,
      `signed reading observed at ${observation.observedAt} is outside the replay window (${push.windowMs} ms back, ${push.clockSkewMs} ms ahead): it may be a replay`,
    );
  }
  if (push.nonceFirstSeen === false) {
    return checkResult('source_verification', 0, `replayed nonce ${push.nonce}: device ${device.id} already sent it within the replay window`);
  }
  if (push.nonceFirstSeen === null) return checkResult('source_verification', 0, `nonce ${push.nonce} was not checked against replays`);
  return checkResult('source_verification', 1, `push signature of device ${device.id} verified (HMAC-SHA256), fresh, nonce first seen`);
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
  const parsed = parsedUrl(url);
  if (parsed === null) return checkResult('source_verification', 0, `source URL "${url}" is not a URL`);
  // "Registered endpoint" means the feed's own base URL: an observation fetched elsewhere is not it.
  const source = ctx.feed?.source;
  if (source?.adapter === 'open-meteo' && !isUnder(parsed, source.params.baseUrl)) {
    return checkResult('source_verification', 0, `source URL is not under the feed's registered ${source.params.baseUrl}`);
  }
  // The operator's MQTT broker counts as a registered endpoint, the same way as an API over HTTP(S).
  if (parsed.protocol === 'https:' || parsed.protocol === 'mqtts:') {
    return checkResult('source_verification', 1, `registered endpoint over ${parsed.protocol.slice(0, -1)} (${parsed.host})`);
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'mqtt:') {
    return checkResult('source_verification', 0.9, `unencrypted transport ${parsed.protocol.slice(0, -1)} (${parsed.host})`);
  }
  return checkResult('source_verification', 0, `unsupported transport ${parsed.protocol}`);
}

function isUnder(url: ParsedUrl, base: string): boolean {
  const b = parsedUrl(base);
  if (b === null) return false;
  const basePath = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
  return url.origin === b.origin && (url.pathname + '/').startsWith(basePath);
}
