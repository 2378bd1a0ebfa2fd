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

/**
 * The 503 answers to a delivery that prove its event never reached the replicated log, so it
 * never takes effect: each is sent before the event is proposed to Raft, by the receiving node or
 * by the leader it forwards to (the forwarder passes the leader's code and message back unchanged,
 * consensus/replicated/leader-forwarder.ts). Matched by code and exact message. `written` is the
 * message as the source spells it, and `where` every file that writes it: attestation-api.test.ts
 * holds the code to that, so a message reused on a path after proposing fails the test instead of
 * hiding a lost write. Every other error (a commit wait that ran out, leadership lost after
 * proposing, a forward that got no answer, "the consensus node is recovering" from an engine that
 * failed with proposals in flight) leaves the outcome unknown.
 */
export const REFUSED_BEFORE_PROPOSING: readonly { code: string; message: string | RegExp; written: string; where: readonly string[] }[] = [
  // ReplicatedConsensus.submit: a member that knows no leader refuses before forwarding.
  {
    code: 'UNAVAILABLE',
    message: 'no leader is known right now; deliver again',
    written: "'no leader is known right now; deliver again'",
    where: ['consensus/replicated/replicated-consensus.ts'],
  },
  // ReplicatedConsensus.submitAsLeader: checked before the mempool takes anything.
  {
    code: 'UNAVAILABLE',
    message: 'this node is not the leader; deliver again',
    written: "'this node is not the leader; deliver again'",
    where: ['consensus/replicated/replicated-consensus.ts'],
  },
  // ReplicatedConsensus.liveEngine: no engine, so nothing can be proposed (a failed engine's own message has no "; try again").
  {
    code: 'UNAVAILABLE',
    message: 'the consensus node is recovering; try again',
    written: "'the consensus node is recovering; try again'",
    where: ['consensus/replicated/replicated-consensus.ts'],
  },
  // ReplicatedConsensus.proposePending: fails what is still in the mempool; proposed batches were taken out of it first.
  {
    code: 'UNAVAILABLE',
    message: 'this node lost leadership; deliver again',
    written: "'this node lost leadership; deliver again'",
    where: ['consensus/replicated/replicated-consensus.ts'],
  },
  // LeaderForwarder.submit: the connection to the leader was refused, so not a byte of the batch was sent.
  {
    code: 'UNAVAILABLE',
    message: 'the leader refused the connection; deliver again',
    written: "'the leader refused the connection; deliver again'",
    where: ['consensus/replicated/leader-forwarder.ts'],
  },
  // The boot server answers every path while the node migrates or starts: no route, no consensus yet.
  {
    code: 'UNAVAILABLE',
    message: /^the node is (migrating|starting); try again shortly$/,
    written: '`the node is ${phase}; try again shortly`',
    where: ['runtime/probes/boot-server.ts'],
  },
  // Mempool.add returned null (nothing added), in submitAsLeader and in the single node alike.
  {
    code: 'MEMPOOL_FULL',
    message: /^the mempool holds its maximum of \d+ transactions$/,
    written: "new AppError('MEMPOOL_FULL'",
    where: ['consensus/node/single-node.ts', 'consensus/replicated/replicated-consensus.ts'],
  },
];

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** True only for an answer listed in REFUSED_BEFORE_PROPOSING: the delivery failed for sure. */
export function refusedBeforeProposing(status: number, body: unknown): boolean {
  if (status !== 503) return false;
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return false;
  const { code, message } = parsed.data.error;
  return REFUSED_BEFORE_PROPOSING.some((r) => r.code === code && (typeof r.message === 'string' ? r.message === message : r.message.test(message)));
}
