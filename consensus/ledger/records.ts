import { invariant } from '../invariant.ts';
import type { Category } from '../../schemas/index.ts';

/** Marks an event id as applied: where its attest transaction landed. */
export interface EventRecord {
  txHash: string;
  height: number;
}

/** The latest attested value of one feed. */
export interface AttestationRecord {
  eventId: string;
  feedId: string;
  assetId: string;
  channel: Category;
  value: number;
  unit: string;
  observedAt: string;
  txHash: string;
  height: number;
}

export type AssetFeedEntry = Omit<AttestationRecord, 'feedId' | 'assetId' | 'channel'>;

/** An asset's state for this issue: the latest attested value of each of its feeds. */
export interface AssetRecord {
  assetId: string;
  feeds: Record<string, AssetFeedEntry>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

// The ledger wrote these values itself: a wrong shape is corruption, so the readers assert instead of rejecting.

export function readEventRecord(value: unknown): EventRecord | undefined {
  if (value === undefined) return undefined;
  invariant(isObject(value) && typeof value.txHash === 'string' && typeof value.height === 'number', 'malformed event record', value);
  return { txHash: value.txHash, height: value.height };
}

export function readAttestationRecord(value: unknown): AttestationRecord | undefined {
  if (value === undefined) return undefined;
  invariant(
    isObject(value) &&
      typeof value.eventId === 'string' &&
      typeof value.feedId === 'string' &&
      typeof value.observedAt === 'string' &&
      typeof value.value === 'number' &&
      typeof value.txHash === 'string' &&
      typeof value.height === 'number',
    'malformed attestation record',
    value,
  );
  return value as unknown as AttestationRecord;
}

export function readAssetRecord(value: unknown): AssetRecord | undefined {
  if (value === undefined) return undefined;
  invariant(isObject(value) && typeof value.assetId === 'string' && isObject(value.feeds), 'malformed asset record', value);
  return value as unknown as AssetRecord;
}
