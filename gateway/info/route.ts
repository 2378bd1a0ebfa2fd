import type { Handler } from 'hono';
import type { GatewayInfo } from '../../schemas/index.ts';
import type { GatewayEnv } from '../env.ts';
import { POOL_NAMES, API_PREFIX } from '../routing/policy.ts';
import type { UpstreamRegistry } from '../pools/registry.ts';

export interface InfoDeps {
  name: string;
  version: string;
  chainId: string;
  registry: UpstreamRegistry;
}

/** `GET /info` (public): what this gateway is and which nodes it forwards to. */
export const infoHandler =
  (deps: InfoDeps): Handler<GatewayEnv> =>
  (c) => {
    const info: GatewayInfo = {
      name: deps.name,
      version: deps.version,
      chainId: deps.chainId,
      apiPrefix: API_PREFIX,
      pools: Object.fromEntries(POOL_NAMES.map((p) => [p, deps.registry.members(p).map((u) => u.url)])) as GatewayInfo['pools'],
    };
    return c.json(info);
  };
