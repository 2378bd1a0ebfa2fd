import type { Raft } from './raft.ts';
import type { AppendRequest, Heartbeat, InstallSnapshot, Message } from './types.ts';

/** A follower takes its leader's appends, heartbeats and snapshots, and read answers. */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      r.electionElapsed = 0;
      r.lead = m.from;
      fromLeader(r, m);
      return;
    case 'read_index_resp':
      r.readStates.push({ index: m.index, ctx: m.ctx });
      return;
    default:
      // A read forwarded to a non-leader is dropped: the asker retries against the leader it learns of.
      return;
  }
}

/** (Pre-)candidates count votes and yield to a leader of their term. */
export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      r.becomeFollower(m.term, m.from);
      fromLeader(r, m);
      return;
    case 'vote_resp':
      if (r.role === 'candidate') r.poll(m.from, !m.reject);
      return;
    case 'pre_vote_resp':
      if (r.role === 'pre_candidate') r.poll(m.from, !m.reject);
      return;
    default:
      return;
  }
}

function fromLeader(r: Raft, m: AppendRequest | Heartbeat | InstallSnapshot): void {
  if (m.type === 'append') handleAppend(r, m);
  else if (m.type === 'heartbeat') handleHeartbeat(r, m);
  else handleSnapshot(r, m);
}

function handleAppend(r: Raft, m: AppendRequest): void {
  const reply = (index: number, reject: boolean, hintIndex = 0, hintTerm = 0): void =>
    r.send({ type: 'append_resp', from: r.id, to: m.from, term: r.term, index, reject, hintIndex, hintTerm });
  if (m.prevIndex < r.log.committed) {
    // Everything up to commit is known to match: say so, and the leader moves on from there.
    reply(r.log.committed, false);
    return;
  }
  const lastNew = r.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    reply(lastNew, false);
    return;
  }
  const hint = r.log.findConflictByTerm(Math.min(m.prevIndex, r.log.lastIndex()), m.prevTerm);
  reply(m.prevIndex, true, hint.index, hint.term);
}

function handleHeartbeat(r: Raft, m: Heartbeat): void {
  r.log.commitTo(m.commit);
  r.send({ type: 'heartbeat_resp', from: r.id, to: m.from, term: r.term, ctx: m.ctx });
}

function handleSnapshot(r: Raft, m: InstallSnapshot): void {
  const installed = r.restore(m.snapshot);
  const index = installed ? r.log.lastIndex() : r.log.committed;
  r.send({ type: 'append_resp', from: r.id, to: m.from, term: r.term, index, reject: false, hintIndex: 0, hintTerm: 0 });
}
