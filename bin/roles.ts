import type { NodeRole } from '../schemas/index.ts';
import type { StartNode } from '../runtime/node.ts';
import { startGateway } from '../gateway/cluster/start.ts';
import { startSlim } from '../slim/index.ts';
import { startValidator } from '../consensus/index.ts';

/** The one place that knows which part plays which role. */
export const ROLE_STARTERS: Record<NodeRole, StartNode> = {
  gateway: startGateway,
  validator: startValidator,
  // A business node runs the same code: CONSENSUS_MEMBERS makes it a learner, which never votes nor signs for finality.
  business: startValidator,
  slim: startSlim,
};
