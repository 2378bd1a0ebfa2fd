import type { NodeRole } from '../schemas/index.ts';
import type { StartNode } from '../runtime/node.ts';
import { startGateway } from '../gateway/index.ts';
import { startSlim } from '../slim/index.ts';
import { startValidator } from '../consensus/index.ts';

/** The one place that knows which part plays which role. */
export const ROLE_STARTERS: Record<NodeRole, StartNode> = {
  gateway: startGateway,
  validator: startValidator,
  slim: startSlim,
};
