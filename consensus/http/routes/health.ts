import type { Hono } from 'hono';
import type { NodeHealth } from '../../../schemas/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';

export function healthRoutes(api: Hono, deps: ValidatorHttpDeps): void {
  api.get('/health', (c) => {
    const status = deps.consensus.status();
    const up = deps.consensus.health() === 'up';
    const body: NodeHealth = {
      role: deps.role ?? 'validator',
      status: up ? 'up' : 'down',
      uptimeMs: deps.nowMs() - deps.startedAtMs,
      details: { height: status.height, pendingTransactions: status.pendingTransactions, nodeId: status.nodeId },
    };
    // A halted validator must fail health probes so the gateway stops routing to it.
    return c.json(body, up ? 200 : 503);
  });
}
