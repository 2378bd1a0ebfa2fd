import { invariant } from '../invariant.ts';
import { hasQuorum, majorityMatched } from './quorum.ts';
import type { Raft } from './raft.ts';
import type { NodeId } from './types.ts';

/** Reads asked of a leader before it commits in its term wait here (their index would be stale). */
const READS_WAITING_MAX = 1024;

/**
 * Leader side of replication: appends (batched up to msgSizeBytesMax, pipelined within the
 * inflight window), heartbeats, snapshots for followers behind the compacted log, commit.
 */

/** Sends what the follower needs next; false when nothing went out (paused, nothing new, or no snapshot yet). */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty = true): boolean {
  const pr = r.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const entries = prevTerm === undefined ? null : r.log.slice(pr.next, r.log.lastIndex() + 1, r.config.msgSizeBytesMax);
  if (prevTerm === undefined || entries === null) return sendSnapshot(r, to);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'append', from: r.id, to, term: r.term, prevIndex, prevTerm, entries, commit: r.log.committed });
  if (entries.length > 0) pr.sentEntries(entries[entries.length - 1]!.index);
  else if (pr.state === 'probe') pr.probeSent = true;
  return true;
}

function sendSnapshot(r: Raft, to: NodeId): boolean {
  const pr = r.progress.get(to)!;
  // A follower not heard from lately may be down: a snapshot to it is likely wasted.
  if (!pr.recentActive) return false;
  const snapshot = r.log.snapshot();
  invariant(snapshot.meta.index >= r.log.firstIndex() - 1 && snapshot.meta.index > 0, 'the log is compacted beyond its snapshot', { snapshot: snapshot.meta.index, first: r.log.firstIndex() });
  pr.becomeSnapshot(snapshot.meta.index);
  r.send({ type: 'snapshot', from: r.id, to, term: r.term, snapshot });
  return true;
}

/** Sends to one follower while the window allows: pipelining after an acknowledgement. */
export function sendAppendsWhileOpen(r: Raft, to: NodeId): void {
  // Each send either fills an inflight slot or pauses a probe, so the window bounds the loop.
  for (let k = 0; k <= r.config.inflightMsgsMax; k++) if (!sendAppend(r, to, false)) return;
}

export function bcastAppend(r: Raft): void {
  r.appendPending = false;
  for (const id of r.progress.keys()) if (id !== r.id) sendAppend(r, id);
}

export function bcastHeartbeat(r: Raft, ctx: string | null): void {
  for (const [id, pr] of r.progress) {
    if (id === r.id) continue;
    // Never tell a follower a commit index beyond what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: 'heartbeat', from: r.id, to: id, term: r.term, commit, ctx });
  }
}

/**
 * Commits what a majority of voters hold, but only by counting replicas of an entry of the
 * current term: an older-term entry on a majority can still be overwritten (Raft's Figure 8).
 */
export function maybeCommit(r: Raft): boolean {
  const index = majorityMatched(r.conf.voters, (id) => r.progress.get(id)?.match ?? 0);
  if (index <= r.log.committed || r.log.term(index) !== r.term) return false;
  r.log.commitTo(index);
  if (r.readsBeforeFirstCommit.length > 0) {
    const waiting = r.readsBeforeFirstCommit;
    r.readsBeforeFirstCommit = [];
    for (const read of waiting) handleReadIndex(r, read.ctx, read.from);
  }
  return true;
}

/** True when a quorum of voters was heard from in the last round; starts the next round. */
export function checkQuorumActive(r: Raft): boolean {
  const active = hasQuorum(r.conf.voters, (id) => id === r.id || r.progress.get(id)?.recentActive === true);
  for (const [id, pr] of r.progress) pr.recentActive = id === r.id;
  return active;
}

export function tickSnapshotProgress(r: Raft): void {
  for (const pr of r.progress.values()) {
    if (pr.state !== 'snapshot') continue;
    pr.snapshotElapsedTicks++;
    // The snapshot or its answer was lost: probe again (a new snapshot follows if still needed).
    if (pr.snapshotElapsedTicks >= r.config.snapshotAckTicksMax) pr.becomeProbe();
  }
}

/** A read asked of the leader, by itself (from === r.id) or on behalf of a follower. */
export function handleReadIndex(r: Raft, ctx: string, from: NodeId): void {
  if (r.conf.voters.length === 1 && r.conf.voters[0] === r.id) {
    answerRead(r, ctx, r.log.committed, from);
    return;
  }
  if (r.log.term(r.log.committed) !== r.term) {
    // The commit index of a fresh leader may lag what its predecessor committed.
    if (r.readsBeforeFirstCommit.length < READS_WAITING_MAX) r.readsBeforeFirstCommit.push({ ctx, from });
    return;
  }
  if (r.readIndex.has(ctx) || r.readIndex.full()) return;
  r.readIndex.add(ctx, r.log.committed, from, r.id);
  bcastHeartbeat(r, ctx);
}

export function answerRead(r: Raft, ctx: string, index: number, from: NodeId): void {
  if (from === r.id) r.readStates.push({ index, ctx });
  else r.send({ type: 'read_index_resp', from: r.id, to: from, term: r.term, index, ctx });
}
