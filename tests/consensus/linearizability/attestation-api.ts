/**
 * The attestation register over the cluster's real HTTP API (see models.ts for the mapping):
 * the requests a workload sends and how their answers become model outputs. Pure: no I/O here.
 */
import { z } from 'zod';
import { ChannelDeliveryReceipt, type ChannelEvent } from '../../../schemas/index.ts';
import { weatherEvent } from '../fixtures.ts';
import type { AttestationOutput, LatestAttestation } from './models.ts';

export const API_PREFIX = '/api/v11';
export const deliverPath = (): string => `${API_PREFIX}/internal/channel-events`;
export const assetPath = (assetId: string): string => `${API_PREFIX}/state/assets/${encodeURIComponent(assetId)}`;

export interface AttestRequest {
  assetId: string;
  feedId: string;
  eventId: string;
  value: number;
  observedAtMs: number;
}

/** A schema-valid, accepted weather event: the ledger attests it unless the cluster fails. */
export function attestEvent(r: AttestRequest): ChannelEvent {
  return weatherEvent({ id: r.eventId, assetId: r.assetId, feedId: r.feedId, value: r.value, observedAt: new Date(r.observedAtMs).toISOString() });
}

/** The receipt's word on one event, or undefined when it does not mention it (then nobody knows). */
export function attestOutcome(body: unknown, eventId: string): AttestationOutput | undefined {
  const receipt = ChannelDeliveryReceipt.safeParse(body);
  if (!receipt.success) return undefined;
  if (receipt.data.committed.some((c) => c.eventId === eventId)) return { kind: 'attest', outcome: 'committed' };
  if (receipt.data.rejected.some((c) => c.eventId === eventId)) return { kind: 'attest', outcome: 'rejected' };
  return undefined;
}

/** Only the fields the model compares; the asset record carries more (unit, txHash, height). */
const AssetBody = z.object({
  assetId: z.string(),
  feeds: z.record(z.string(), z.object({ eventId: z.string(), value: z.number(), observedAt: z.string() })),
});

/** The feed's latest from an asset body, null when the asset has none yet; undefined for a body that is not an asset. */
export function latestFromAsset(body: unknown, feedId: string): LatestAttestation | null | undefined {
  const asset = AssetBody.safeParse(body);
  if (!asset.success) return undefined;
  const entry = asset.data.feeds[feedId];
  if (entry === undefined) return null;
  const observedAtMs = Date.parse(entry.observedAt);
  return Number.isFinite(observedAtMs) ? { eventId: entry.eventId, value: entry.value, observedAtMs } : undefined;
}

/** The one 404 that means "no such asset yet" rather than a wrong path. */
const AssetNotFound = z.object({ error: z.object({ code: z.literal('ASSET_NOT_FOUND') }) });
export const isAssetNotFound = (status: number, body: unknown): boolean => status === 404 && AssetNotFound.safeParse(body).success;
