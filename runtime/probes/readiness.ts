import type { Env, Hono } from 'hono';
import type { LifecyclePhase, Liveness, Readiness, ReadinessCheck } from '../../schemas/index.ts';

/** One readiness condition; a check that throws or outlasts READINESS_CHECK_TIMEOUT_MS counts as not met. */
export type ReadinessProbe = () => ReadinessCheck | Promise<ReadinessCheck>;
export type ReadinessProbes = Readonly<Record<string, ReadinessProbe>>;

/** A readiness answer must come quickly: an orchestrator's probe times out after a second or so. */
export const READINESS_CHECK_TIMEOUT_MS = 1_500;

/** Runs every check (in parallel, each bounded in time) and says whether the node is ready in this phase. */
export async function evaluateReadiness(phase: LifecyclePhase, probes: ReadinessProbes): Promise<Readiness> {
  const entries = await Promise.all(Object.entries(probes).map(async ([name, probe]) => [name, await runBounded(probe)] as const));
  const checks = Object.fromEntries(entries);
  const ok = phase === 'running' && entries.every(([, check]) => check.ok);
  return { status: ok ? 'ready' : 'not_ready', phase, checks };
}

async function runBounded(probe: ReadinessProbe): Promise<ReadinessCheck> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ReadinessCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${READINESS_CHECK_TIMEOUT_MS} ms` }), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve().then(probe), timeout]);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The probe scheme every role serves at its root, with no token (they hold no data):
 * `GET /livez` is 200 while the process runs; `GET /readyz` is 200 only when the node can do its
 * work (every check met), else 503 with the checks that are not.
 */
export function probeRoutes<E extends Env>(app: Hono<E>, probes: ReadinessProbes, phase: () => LifecyclePhase = () => 'running'): void {
  app.get('/livez', (c) => c.json({ status: 'up', phase: phase() } satisfies Liveness));
  app.get('/readyz', async (c) => {
    const readiness = await evaluateReadiness(phase(), probes);
    c.header('Cache-Control', 'no-store');
    return c.json(readiness, readiness.status === 'ready' ? 200 : 503);
  });
}
