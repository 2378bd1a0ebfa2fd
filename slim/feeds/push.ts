import type { FeedSource, IotObservation, PushReading } from '../../schemas/index.ts';
import { pushSignaturePayload } from '../../schemas/index.ts';
import { deviceReadingObservation } from '../../oracles/observation.ts';
import type { PushProof } from '../evaluate.ts';
import { pushSignatureValid, withinReplayWindow } from '../quality/index.ts';
import type { DeviceRecord } from '../storage/index.ts';

/** A pushed reading as a normalized IoT observation. Pure: the caller gives the receipt time. */
export function observationOfReading(
  feed: { id: string; assetId: string; source: Extract<FeedSource, { adapter: 'push' }> },
  reading: PushReading,
  receivedAt: Date,
): IotObservation {
  const params = feed.source.params;
  return deviceReadingObservation(
    { id: feed.id, assetId: feed.assetId, deviceId: params.deviceId, metric: params.metric, unit: params.unit },
    reading,
    // A signed reading claims device authentication; the chain verifies the claim with the device's key.
    { adapter: 'push', deviceId: params.deviceId, authentication: reading.signature !== undefined ? 'signed' : 'api_key' },
    receivedAt,
  );
}

/** The replay window a worker applies (PUSH_REPLAY_WINDOW_MS, PUSH_CLOCK_SKEW_MS). */
export interface ReplayWindow {
  windowMs: number;
  clockSkewMs: number;
}

/**
 * What the source-verification and referential-integrity steps need to judge a reading, before its
 * nonce is looked at (`nonceFirstSeen` null). Pure: the caller looked the device up.
 */
export function pushProofOf(
  device: DeviceRecord | null,
  feed: { id: string; deviceId: string },
  reading: PushReading,
  window: ReplayWindow,
): PushProof {
  const signedPayload =
    reading.nonce === undefined
      ? null
      : pushSignaturePayload({ deviceId: feed.deviceId, feedId: feed.id, observedAt: reading.observedAt, value: reading.value, nonce: reading.nonce });
  return {
    device:
      device === null
        ? null
        : { id: device.id, assetId: device.assetId, secret: device.secret, revokedAt: device.revokedAt === null ? null : device.revokedAt.toISOString() },
    signature: reading.signature,
    signedPayload,
    nonce: reading.nonce,
    nonceFirstSeen: null,
    windowMs: window.windowMs,
    clockSkewMs: window.clockSkewMs,
  };
}

/**
 * The nonce of a reading to remember, or null: only a reading of a device in service whose signature
 * verified and that lies in the window. Remembering others would let anyone burn a device's nonces.
 */
export function nonceToRemember(proof: PushProof, observedAt: string, now: Date): { deviceId: string; nonce: string; expiresAt: Date } | null {
  const { device, signature, signedPayload, nonce } = proof;
  if (device === null || device.revokedAt !== null || signature === undefined || signedPayload === null || nonce === undefined) return null;
  if (!pushSignatureValid(device.secret, signedPayload, signature)) return null;
  if (!withinReplayWindow(observedAt, now, proof.windowMs, proof.clockSkewMs)) return null;
  // A replay carries the same signed observedAt, so it is fresh until observedAt + window: remember it that long.
  return { deviceId: device.id, nonce, expiresAt: new Date(Date.parse(observedAt) + proof.windowMs) };
}
