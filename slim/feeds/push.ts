import type { FeedSource, IotObservation, PushReading } from '../../schemas/index.ts';
import { pushSignaturePayload } from '../../schemas/index.ts';
import type { PushProof } from '../evaluate.ts';

/** A pushed reading as a normalized IoT observation. Pure: the caller gives the receipt time. */
export function observationOfReading(
  feed: { id: string; assetId: string; source: Extract<FeedSource, { adapter: 'push' }> },
  reading: PushReading,
  receivedAt: Date,
): IotObservation {
  const params = feed.source.params;
  const data: IotObservation['data'] = { deviceId: params.deviceId, metric: params.metric, reading: reading.value };
  if (reading.latitude !== undefined) data.latitude = reading.latitude;
  if (reading.longitude !== undefined) data.longitude = reading.longitude;
  return {
    category: 'iot',
    feedId: feed.id,
    assetId: feed.assetId,
    observedAt: reading.observedAt,
    receivedAt: receivedAt.toISOString(),
    value: reading.value,
    unit: params.unit,
    source: {
      adapter: 'push',
      deviceId: params.deviceId,
      // A signed reading claims device authentication; the chain verifies the claim against the secret.
      authentication: reading.signature !== undefined ? 'signed' : 'api_key',
    },
    data,
  };
}

/** What the source-verification check needs to verify a reading's signature. */
export function pushProofOf(feedId: string, reading: PushReading, secret: string | null): PushProof {
  return {
    signature: reading.signature,
    signedPayload: pushSignaturePayload(feedId, reading.observedAt, reading.value),
    secret,
  };
}
