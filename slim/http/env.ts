import type { Principal } from '../../runtime/cluster-auth.ts';

/** What the cluster-auth middleware leaves on every request's context. */
export type SlimEnv = { Variables: { principal: Principal } };
