import type { NodeId } from './types.ts';

/** The largest index that a majority of voters have matched. */
export function majorityMatched(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[Math.floor(voters.length / 2)]!;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Only voters' answers count; a learner's grant is ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const quorum = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  if (granted >= quorum) return 'won';
  if (rejected > voters.length - quorum) return 'lost';
  return 'pending';
}

export function hasQuorum(voters: readonly NodeId[], isIn: (id: NodeId) => boolean): boolean {
  const count = voters.filter(isIn).length;
  return count >= Math.floor(voters.length / 2) + 1;
}
