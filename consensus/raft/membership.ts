import { z } from 'zod';
import { invariant } from '../invariant.ts';
import type { ConfChange, ConfState, Entry, HardState, NodeId } from './types.ts';

const ConfChangeSchema = z.object({
  type: z.enum(['add_learner', 'promote_learner', 'remove_node']),
  nodeId: z.string().min(1).max(256),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeConfChange(change: ConfChange): Uint8Array {
  return encoder.encode(JSON.stringify({ type: change.type, nodeId: change.nodeId }));
}

/** Conf change entries are written by the core itself, so bad bytes mean a corrupt log. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch (cause) {
    invariant(false, 'conf change entry is not JSON', { cause });
  }
  const parsed = ConfChangeSchema.safeParse(raw);
  invariant(parsed.success, 'conf change entry does not parse', parsed.success ? undefined : parsed.error.issues);
  return parsed.data;
}

/** Why a change cannot apply to a membership, or null when it can. */
export function confChangeProblem(conf: ConfState, change: ConfChange): string | null {
  const isVoter = conf.voters.includes(change.nodeId);
  const isLearner = conf.learners.includes(change.nodeId);
  switch (change.type) {
    case 'add_learner':
      return isVoter || isLearner ? `${change.nodeId} is already a member` : null;
    case 'promote_learner':
      return isLearner ? null : `${change.nodeId} is not a learner`;
    case 'remove_node':
      if (!isVoter && !isLearner) return `${change.nodeId} is not a member`;
      return isVoter && conf.voters.length === 1 ? 'cannot remove the last voter' : null;
  }
}

/** The membership after a change; an invalid change leaves it as it was (every member decides the same). */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  if (confChangeProblem(conf, change) !== null) return conf;
  const without = (ids: readonly NodeId[]): NodeId[] => ids.filter((id) => id !== change.nodeId);
  switch (change.type) {
    case 'add_learner':
      return { voters: [...conf.voters], learners: [...conf.learners, change.nodeId].sort() };
    case 'promote_learner':
      return { voters: [...conf.voters, change.nodeId].sort(), learners: without(conf.learners) };
    case 'remove_node':
      return { voters: without(conf.voters), learners: without(conf.learners) };
  }
}

export function members(conf: ConfState): NodeId[] {
  return [...conf.voters, ...conf.learners];
}

/**
 * The first log of a new group: each initial member added (and voters promoted) by committed
 * conf entries of term 1, so a node that joins later and replays the log from index 1 arrives
 * at the same membership as the founders. Every founder writes the same entries.
 */
export function bootstrapState(conf: ConfState): { entries: Entry[]; hardState: HardState } {
  invariant(conf.voters.length > 0, 'a group needs at least one voter');
  const changes: ConfChange[] = [];
  for (const nodeId of conf.voters) changes.push({ type: 'add_learner', nodeId }, { type: 'promote_learner', nodeId });
  for (const nodeId of conf.learners) changes.push({ type: 'add_learner', nodeId });
  const entries = changes.map((change, k): Entry => ({ index: k + 1, term: 1, type: 'conf_change', data: encodeConfChange(change) }));
  return { entries, hardState: { term: 1, vote: null, commit: entries.length } };
}
