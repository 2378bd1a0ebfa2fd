import { hasQuorum } from './quorum.ts';
import type { Raft } from './raft.ts';
import { answerRead, bcastAppend, handleReadIndex, maybeCommit, sendAppend, sendAppendsWhileOpen } from './replication.ts';
import type { AppendResponse, HeartbeatResponse, Message } from './types.ts';

/** The leader's answers to messages of its own term. */
export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append_resp':
      onAppendResponse(r, m);
      return;
    case 'heartbeat_resp':
      onHeartbeatResponse(r, m);
      return;
    case 'read_index':
      handleReadIndex(r, m.ctx, m.from);
      return;
    default:
      // Vote answers of a finished election and others' leader messages of this term carry nothing for us.
      return;
  }
}

function onAppendResponse(r: Raft, m: AppendResponse): void {
  const pr = r.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  if (m.reject) {
    // Skip the follower's whole divergent term in one step when its hint allows.
    const hint = m.hintTerm > 0 ? r.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  const updated = pr.maybeUpdate(m.index);
  if (!updated && !(pr.match === m.index && pr.state === 'probe')) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot') {
    // Caught up past the compacted prefix (by the snapshot or otherwise): replicate from here.
    if (pr.match + 1 >= r.log.firstIndex()) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
  } else {
    pr.inflights.freeLE(m.index);
  }
  if (maybeCommit(r)) bcastAppend(r);
  sendAppendsWhileOpen(r, m.from);
}

function onHeartbeatResponse(r: Raft, m: HeartbeatResponse): void {
  const pr = r.progress.get(m.from);
  if (!pr) return;
  pr.recentActive = true;
  pr.probeSent = false;
  // Every append in the window may have been lost; let one through so a reject can resync.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  if (pr.match < r.log.lastIndex()) sendAppend(r, m.from);

  if (m.ctx === null) return;
  const acks = r.readIndex.ack(m.ctx, m.from);
  if (!acks || !hasQuorum(r.conf.voters, (id) => acks.has(id))) return;
  for (const read of r.readIndex.release(m.ctx)) answerRead(r, read.ctx, read.index, read.from);
}
