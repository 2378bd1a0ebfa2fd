import type { Hono } from 'hono';
import type { ReadinessProbes } from '../../../runtime/probes/readiness.ts';
import type { NodeHealth } from '../../../schemas/index.ts';
import type { ValidatorHttpDeps } from '../deps.ts';

/**
 * Ready means able to commit and to serve linearizable reads: the engine runs (not halted nor
 * reopening) and a leader is known. A member of a group that has no leader (an election, or too
 * few voters up) is alive but not ready.
 */
export function validatorReadiness(deps: Pick<ValidatorHttpDeps, 'consensus'>): ReadinessProbes {
  return {
    consensus: () => (deps.consensus.health() === 'up' ? { ok: true } : { ok: false, reason: 'the consensus engine is halted or reopening its storage' }),
    leader: () => {
      const status = deps.consensus.status();
      const leader = status.leaderMemberId ?? status.leader;
      return leader === null ? { ok: false, reason: `no Raft leader is known (term ${status.term})` } : { ok: true, reason: `leader ${leader}` };
    },
  };
}

export function healthRoutes(api: Hono, deps: ValidatorHttpDeps, tpsCurrent: () => number): void {
  api.get('/health', (c) => {
    const status = deps.consensus.status();
    const up = deps.consensus.health() === 'up';
    const body: NodeHealth = {
      role: deps.role ?? 'validator',
      status: up ? 'up' : 'down',
      uptimeMs: deps.nowMs() - deps.startedAtMs,
      details: {
        height: status.height,
        pendingTransactions: status.pendingTransactions,
        nodeId: status.nodeId,
        raftRole: status.role,
        leader: status.leaderMemberId ?? status.leader,
        term: status.term,
        tps: Math.round(tpsCurrent() * 100) / 100,
      },
    };
    // A halted validator must fail health probes so the gateway stops routing to it.
    return c.json(body, up ? 200 : 503);
  });
}
