import { z } from 'zod';
import { NodeRole } from '../../schemas/index.ts';

/** What `npm run topology` writes once every node is ready (its --state-file), for tests and benches. */
export const TopologyState = z.object({
  runId: z.string(),
  gatewayUrl: z.url(),
  adminKey: z.string(),
  clusterSecret: z.string(),
  nodes: z.array(z.object({ name: z.string(), role: NodeRole, url: z.url() })),
});
export type TopologyState = z.infer<typeof TopologyState>;
