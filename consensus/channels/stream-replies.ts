import { z } from 'zod';
import { CHANNEL_STREAM_EVENT_FIELD, ChannelEvent } from '../../schemas/index.ts';

/** One entry read from a channel stream: its event, or why it cannot be one (kept aside, never retried). */
export type StreamEntry =
  | { key: string; id: string; kind: 'event'; event: ChannelEvent }
  | { key: string; id: string; kind: 'invalid'; reason: string; raw: string };

const Fields = z.array(z.string());
/** XREADGROUP: null when nothing came within BLOCK, else per stream its entries ([id, [field, value, ...]]). */
const ReadGroupReply = z.array(z.tuple([z.string(), z.array(z.tuple([z.string(), Fields.nullable()]))])).nullable();
/** XAUTOCLAIM ... JUSTID: the cursor to continue from ("0-0" once the scan is complete), claimed ids, ids deleted meanwhile. */
const AutoClaimJustIdReply = z.tuple([z.string(), z.array(z.string())]).rest(z.unknown());
/** XPENDING summary: count, smallest and greatest pending id (null when none), per-consumer counts. */
const PendingSummaryReply = z.tuple([z.number(), z.string().nullable(), z.string().nullable()]).rest(z.unknown());
/** XINFO GROUPS: per group a flat list of field names and values. */
const InfoGroupsReply = z.array(z.array(z.unknown()));

/** Entries of an XREADGROUP reply, streams in the order given, each stream's entries in id order. */
export function parseReadGroup(reply: unknown): StreamEntry[] {
  const streams = ReadGroupReply.parse(reply) ?? [];
  return streams.flatMap(([key, entries]) => entries.map(([id, fields]) => entryOf(key, id, fields ?? [])));
}

/** The cursor to continue from ("0-0" once the scan is complete) and the ids claimed. */
export function parseAutoClaim(reply: unknown): { cursor: string; claimed: string[] } {
  const [cursor, claimed] = AutoClaimJustIdReply.parse(reply);
  return { cursor, claimed };
}

/** Redis names an error by the first word of its reply ("NOGROUP", "BUSYGROUP"): its code by the protocol's convention. */
export function redisErrorCode(err: unknown): string | undefined {
  return err instanceof Error ? /^[A-Z]+(?= )/.exec(err.message)?.[0] : undefined;
}

/** Smallest id still pending in the group, or null when every delivered entry is acknowledged. */
export function parsePendingLowestId(reply: unknown): string | null {
  const [count, lowest] = PendingSummaryReply.parse(reply);
  return count === 0 ? null : lowest;
}

/** The id of the last entry delivered to `group`, or null when the stream has no such group. */
export function parseLastDeliveredId(reply: unknown, group: string): string | null {
  for (const flat of InfoGroupsReply.parse(reply)) {
    const info = new Map<unknown, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(flat[i], flat[i + 1]);
    const last = info.get('last-delivered-id');
    if (info.get('name') === group && typeof last === 'string') return last;
  }
  return null;
}

/** Below this id every entry has been delivered and acknowledged, so trimming there loses nothing. */
export function trimPoint(lastDeliveredId: string | null, lowestPendingId: string | null): string | null {
  if (lastDeliveredId === null) return null;
  if (lowestPendingId === null) return lastDeliveredId;
  return compareStreamIds(lowestPendingId, lastDeliveredId) < 0 ? lowestPendingId : lastDeliveredId;
}

/** Stream ids are "<ms>-<seq>", compared numerically part by part. */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}

function entryOf(key: string, id: string, fields: readonly string[]): StreamEntry {
  let raw: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === CHANNEL_STREAM_EVENT_FIELD) raw = fields[i + 1];
  if (raw === undefined) return { key, id, kind: 'invalid', reason: `no "${CHANNEL_STREAM_EVENT_FIELD}" field`, raw: fields.join(' ') };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { key, id, kind: 'invalid', reason: 'not JSON', raw };
  }
  const parsed = ChannelEvent.safeParse(json);
  if (!parsed.success) return { key, id, kind: 'invalid', reason: z.prettifyError(parsed.error), raw };
  return { key, id, kind: 'event', event: parsed.data };
}
