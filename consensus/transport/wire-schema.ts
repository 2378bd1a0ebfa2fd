import { z } from 'zod';

/**
 * The JSON header of a frame: every peer message with each Entry.data and Snapshot.data replaced
 * by its byte length (`dataBytes`); the bytes themselves follow the header, in message order.
 * Objects are strict so a field added to a message type fails the codec tests instead of
 * silently vanishing on the wire.
 */

/** Same bound as RaftOptionsSchema.id. */
const NodeIdWire = z.string().min(1).max(256);
/** Terms, indexes, heights and byte counts: non-negative safe integers. */
const Count = z.int().min(0);
/** Read-index contexts are chosen by the node; a bound keeps a forged one from being huge. */
const ReadCtx = z.string().max(4096);
const Hex = (charsMax: number) =>
  z
    .string()
    .max(charsMax)
    .regex(/^(?:[0-9a-f]{2})*$/, 'lower-case hex');

/** Limits of one frame's header; the body limit of the route bounds the blobs. */
export const FRAME_MESSAGES_MAX = 1_000_000;
export const FRAME_ENTRIES_MAX = 4_000_000;

const envelope = { from: NodeIdWire, to: NodeIdWire, term: Count };

/**
 * An append's entries as columns, since an entry is often one small transaction and per-entry
 * objects would cost more to encode, parse and validate than the entry itself: entry i has index
 * firstIndex + i (Raft sends consecutive entries), the term of its run in `terms`, type
 * conf_change when i is in `confChanges` (normal otherwise), and dataBytes[i] bytes of data.
 */
export const EntriesWire = z
  .strictObject({
    firstIndex: Count,
    /** [term, how many consecutive entries have it]. */
    terms: z.array(z.tuple([Count, z.int().min(1)])).max(FRAME_ENTRIES_MAX),
    /** Ascending positions of conf_change entries. */
    confChanges: z.array(Count).max(FRAME_ENTRIES_MAX),
    dataBytes: z.array(Count).max(FRAME_ENTRIES_MAX),
  })
  .check((ctx) => {
    const { firstIndex, terms, confChanges, dataBytes } = ctx.value;
    const issue = (message: string) => ctx.issues.push({ code: 'custom', message, input: ctx.value });
    let covered = 0;
    for (const [, count] of terms) covered += count;
    if (covered !== dataBytes.length) issue(`term runs cover ${covered} entries, dataBytes lists ${dataBytes.length}`);
    // Compared by subtraction: the sum itself would round to a safe-looking number.
    if (dataBytes.length > 0 && firstIndex > Number.MAX_SAFE_INTEGER - (dataBytes.length - 1)) issue('the last entry index is not a safe integer');
    for (let i = 0; i < confChanges.length; i++) {
      const at = confChanges[i]!;
      if (at >= dataBytes.length || (i > 0 && at <= confChanges[i - 1]!)) {
        issue('confChanges must be ascending positions of listed entries');
        break;
      }
    }
  });

const ConfStateWire = z.strictObject({
  voters: z.array(NodeIdWire).max(1024),
  learners: z.array(NodeIdWire).max(1024),
});

const SnapshotWire = z.strictObject({
  meta: z.strictObject({ index: Count, term: Count, conf: ConfStateWire }),
  dataBytes: Count,
});

const VoteRequestWire = z.strictObject({ ...envelope, type: z.enum(['vote', 'pre_vote']), lastLogIndex: Count, lastLogTerm: Count });
const VoteResponseWire = z.strictObject({ ...envelope, type: z.enum(['vote_resp', 'pre_vote_resp']), reject: z.boolean() });
const AppendWire = z.strictObject({
  ...envelope,
  type: z.literal('append'),
  prevIndex: Count,
  prevTerm: Count,
  entries: EntriesWire,
  commit: Count,
});
const AppendResponseWire = z.strictObject({
  ...envelope,
  type: z.literal('append_resp'),
  index: Count,
  reject: z.boolean(),
  hintIndex: Count,
  hintTerm: Count,
});
const HeartbeatWire = z.strictObject({ ...envelope, type: z.literal('heartbeat'), commit: Count, ctx: ReadCtx.nullable() });
const HeartbeatResponseWire = z.strictObject({ ...envelope, type: z.literal('heartbeat_resp'), ctx: ReadCtx.nullable() });
const InstallSnapshotWire = z.strictObject({ ...envelope, type: z.literal('snapshot'), snapshot: SnapshotWire });
const ReadIndexWire = z.strictObject({ ...envelope, type: z.literal('read_index'), ctx: ReadCtx });
const ReadIndexResponseWire = z.strictObject({ ...envelope, type: z.literal('read_index_resp'), index: Count, ctx: ReadCtx });
const CoSignatureWire = z.strictObject({
  type: z.literal('cosign'),
  from: NodeIdWire,
  to: NodeIdWire,
  height: Count,
  hash: Hex(128),
  algorithm: z.string().min(1).max(64),
  // ML-DSA-87: 2,592-byte keys and 4,627-byte signatures, hex doubles them; room for larger schemes.
  publicKey: Hex(16_384),
  signature: Hex(32_768),
});

export const PeerMessageWire = z.discriminatedUnion('type', [
  VoteRequestWire,
  VoteResponseWire,
  AppendWire,
  AppendResponseWire,
  HeartbeatWire,
  HeartbeatResponseWire,
  InstallSnapshotWire,
  ReadIndexWire,
  ReadIndexResponseWire,
  CoSignatureWire,
]);

export const FrameHeaderWire = z.array(PeerMessageWire).max(FRAME_MESSAGES_MAX);

export type PeerMessageWire = z.infer<typeof PeerMessageWire>;
export type EntriesWire = z.infer<typeof EntriesWire>;
