import type { Hono } from 'hono';
import { z } from 'zod';
import { readJson, readParam } from '../../../runtime/http.ts';
import { ForwardedSubmission, type ForwardedOutcomes } from '../../replicated/forward-wire.ts';
import type { ReplicatedConsensus } from '../../replicated/replicated-consensus.ts';

const MemberId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
const MembershipChange = z.object({ type: z.enum(['add_learner', 'promote_learner', 'remove_node']) });

/** Routes of a Raft member only (under /internal: nodes of the cluster, never relayed callers). */
export function clusterRoutes(api: Hono, cluster: ReplicatedConsensus): void {
  /** Another member forwards what it was given; only the leader takes it, and never passes it on. */
  api.post('/internal/consensus/submit', async (c) => {
    const { transactions } = await readJson(c, ForwardedSubmission);
    const outcomes = await cluster.submitAsLeader(transactions);
    return c.json<ForwardedOutcomes>({ outcomes });
  });

  /** An operator changes the membership through the leader: promote a business node, remove a member. */
  api.post('/internal/consensus/members/:id', async (c) => {
    const nodeId = readParam(c, 'id', MemberId);
    const { type } = await readJson(c, MembershipChange);
    const index = cluster.changeMembership({ type, nodeId });
    return c.json({ accepted: true, index, change: { type, nodeId } }, 202);
  });
}
