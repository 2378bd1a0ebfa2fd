import type { AttestTx, ChannelEvent } from '../../schemas/index.ts';
import { invariant } from '../invariant.ts';
import { assetKey, attestationKey, eventKey } from './keys.ts';
import { readAssetRecord, readAttestationRecord, readEventRecord, type AttestationRecord, type AssetRecord } from './records.ts';
import type { ApplyContext, ApplyResult } from './result.ts';
import type { StateView } from './state.ts';

/**
 * Attest: record a channel event in the ledger, at most once per event id
 * (channel delivery is at-least-once), and move the feed's latest value forward only.
 */
export function applyAttest(state: StateView, tx: AttestTx, ctx: ApplyContext): ApplyResult {
  const { event } = tx;
  const original = readEventRecord(state.get(eventKey(event.id)));
  if (original !== undefined) return { kind: 'duplicate', original };

  const inconsistency = findInconsistency(event);
  if (inconsistency !== null) return { kind: 'rejected', code: 'ATTEST_INCONSISTENT', message: inconsistency };
  if (event.quality.decision !== 'accepted' && event.approval === undefined) {
    return {
      kind: 'rejected',
      code: 'ATTEST_NOT_APPROVED',
      message: `event ${event.id} has quality decision '${event.quality.decision}' and no reviewer approval`,
    };
  }

  const writes = new Map<string, unknown>();
  writes.set(eventKey(event.id), { txHash: ctx.txHash, height: ctx.height });

  const candidate: AttestationRecord = {
    eventId: event.id,
    feedId: event.feedId,
    assetId: event.assetId,
    channel: event.channel,
    value: event.observation.value,
    unit: event.observation.unit,
    observedAt: event.observation.observedAt,
    txHash: ctx.txHash,
    height: ctx.height,
  };
  const latest = readAttestationRecord(state.get(attestationKey(event.feedId)));
  // An older observation delivered late is still attested (its event record above), but does not become "latest".
  if (latest === undefined || isNewer(candidate.observedAt, latest.observedAt)) {
    writes.set(attestationKey(event.feedId), candidate);
    const asset: AssetRecord = readAssetRecord(state.get(assetKey(event.assetId))) ?? { assetId: event.assetId, feeds: {} };
    const { feedId: _feedId, assetId: _assetId, channel: _channel, ...entry } = candidate;
    writes.set(assetKey(event.assetId), { assetId: asset.assetId, feeds: { ...asset.feeds, [event.feedId]: entry } });
  }
  return { kind: 'applied', writes, attested: event };
}

function findInconsistency(event: ChannelEvent): string | null {
  const o = event.observation;
  if (o.feedId !== event.feedId) return `event ${event.id}: observation feed ${o.feedId} differs from event feed ${event.feedId}`;
  if (o.assetId !== event.assetId) return `event ${event.id}: observation asset ${o.assetId} differs from event asset ${event.assetId}`;
  if (o.category !== event.channel) return `event ${event.id}: ${o.category} observation on the ${event.channel} channel`;
  if (event.quality.category !== event.channel) return `event ${event.id}: ${event.quality.category} quality report on the ${event.channel} channel`;
  return null;
}

function isNewer(candidate: string, current: string): boolean {
  const candidateMs = Date.parse(candidate);
  const currentMs = Date.parse(current);
  invariant(Number.isFinite(candidateMs) && Number.isFinite(currentMs), 'observedAt must be a valid timestamp', { candidate, current });
  return candidateMs > currentMs;
}
