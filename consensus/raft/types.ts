/** Identifies a member of the group; stable across restarts. */
export type NodeId = string;

/** Term 0 / index 0 mean "nothing": the log proper starts at index 1. */
export type EntryType = 'normal' | 'conf_change';

/** One log entry. The core never looks inside normal data; conf_change data is an encoded ConfChange. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must be durable before the node answers anyone: its term, its vote in that term, how far it knows the log is committed. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

/** The membership: voters decide elections and commits, learners only replicate. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/** The application state up to meta.index, opaque to the core, with the membership at that index. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** Single-step membership changes: one at a time, each applied when its entry is applied. */
export type ConfChangeType = 'add_learner' | 'promote_learner' | 'remove_node';

export interface ConfChange {
  readonly type: ConfChangeType;
  readonly nodeId: NodeId;
}

/** A linearizable read point: once the application has applied `index`, it may answer the read named by `ctx`. */
export interface ReadState {
  readonly index: number;
  readonly ctx: string;
}

export type RaftRole = 'follower' | 'pre_candidate' | 'candidate' | 'leader';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

/** A vote request; for pre-vote, `term` is the term the sender would campaign in. */
export interface VoteRequest extends Envelope {
  readonly type: 'vote' | 'pre_vote';
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
}

export interface VoteResponse extends Envelope {
  readonly type: 'vote_resp' | 'pre_vote_resp';
  readonly reject: boolean;
}

/** Entries after (prevIndex, prevTerm); empty entries probe or carry the commit index. */
export interface AppendRequest extends Envelope {
  readonly type: 'append';
  readonly prevIndex: number;
  readonly prevTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * `index` is the last index the follower now matches (accept) or the rejected prevIndex (reject);
 * on reject, (hintIndex, hintTerm) is the follower's guess of where the logs may agree.
 */
export interface AppendResponse extends Envelope {
  readonly type: 'append_resp';
  readonly index: number;
  readonly reject: boolean;
  readonly hintIndex: number;
  readonly hintTerm: number;
}

/** `ctx` carries the newest pending ReadIndex request so its acknowledgement proves leadership. */
export interface Heartbeat extends Envelope {
  readonly type: 'heartbeat';
  readonly commit: number;
  readonly ctx: string | null;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeat_resp';
  readonly ctx: string | null;
}

export interface InstallSnapshot extends Envelope {
  readonly type: 'snapshot';
  readonly snapshot: Snapshot;
}

/** A follower asks the leader for a read index on behalf of its client. */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'read_index';
  readonly ctx: string;
}

export interface ReadIndexResponse extends Envelope {
  readonly type: 'read_index_resp';
  readonly index: number;
  readonly ctx: string;
}

export type Message =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | Heartbeat
  | HeartbeatResponse
  | InstallSnapshot
  | ReadIndexRequest
  | ReadIndexResponse;

export type MessageType = Message['type'];

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 };
