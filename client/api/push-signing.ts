import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { pushSignaturePayload, type PushReading } from '../../schemas/index.ts';

/** A registered device as its provider holds it: its id and the HMAC key shown once at registration. */
export interface DeviceKey {
  id: string;
  secret: string;
}

/** Random bytes per nonce: 16 make a repeat within the replay window practically impossible. */
const NONCE_BYTES = 16;

/**
 * A reading signed as the device: HMAC-SHA256 with its key over `pushSignaturePayload` (device,
 * feed, time, value, nonce), with a fresh random nonce, so the worker can tell it came from the
 * device and was not replayed.
 */
export function signReading(device: DeviceKey, feedId: string, reading: { observedAt: string; value: number }, nonce = bytesToHex(randomBytes(NONCE_BYTES))): PushReading {
  const payload = pushSignaturePayload({ deviceId: device.id, feedId, observedAt: reading.observedAt, value: reading.value, nonce });
  return { ...reading, nonce, signature: bytesToHex(hmac(sha256, utf8ToBytes(device.secret), utf8ToBytes(payload))) };
}
