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

export const EntryWire = z.strictObject({
  index: Count,
  term: Count,
  type: z.enum(['normal', 'conf_change']),
  dataBytes: Count,
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
  entries: z.array(EntryWire).max(FRAME_ENTRIES_MAX),
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
export type EntryWire = z.infer<typeof EntryWire>;
