import { z } from 'zod';

/** Limits and timing of one Raft node; time is in ticks, the caller decides how long a tick is. */
export const RaftOptionsSchema = z
  .object({
    id: z.string().min(1).max(256),
    /** A follower that hears no leader for [electionTicks, 2 * electionTicks) ticks campaigns. */
    electionTicks: z.number().int().min(2).max(10_000).default(10),
    heartbeatTicks: z.number().int().min(1).max(10_000).default(1),
    /** Ask "would you vote for me?" before raising the term, so a partitioned node cannot disrupt a healthy group. */
    preVote: z.boolean().default(true),
    /** A leader that has not heard from a quorum within electionTicks steps down; followers then ignore disruptive votes while their leader is live. */
    checkQuorum: z.boolean().default(true),
    /** Data bytes per append message (one entry always goes, however large). */
    msgSizeBytesMax: z.number().int().min(1).default(1024 * 1024),
    /** Append messages in flight to one follower before waiting for acknowledgements. */
    inflightMsgsMax: z.number().int().min(1).max(65_536).default(256),
    /** Proposed but uncommitted data on the leader; beyond it proposals are refused (flow control toward clients). */
    uncommittedSizeBytesMax: z.number().int().min(1).default(64 * 1024 * 1024),
    /** Committed data handed out in one Ready. */
    applySizeBytesMax: z.number().int().min(1).default(64 * 1024 * 1024),
    /** Pending ReadIndex requests on the leader. */
    readRequestsMax: z.number().int().min(1).max(1_000_000).default(4096),
    /** Ticks to wait for a snapshot's acknowledgement before probing the follower again. */
    snapshotAckTicksMax: z.number().int().min(1).default(50),
    /** Index the application has already applied (a durable state machine); conf changes up to it are replayed from storage. */
    applied: z.number().int().min(0).default(0),
  })
  .refine((o) => o.heartbeatTicks < o.electionTicks, { message: 'heartbeatTicks must be below electionTicks' });

export type RaftOptions = z.input<typeof RaftOptionsSchema>;
export type RaftConfig = z.output<typeof RaftOptionsSchema>;
