import { Liveness } from '../../schemas/index.ts';

/**
 * Whether the role at `url` has finished starting (migrations done, parts up): its `/livez` answers
 * in phase `running`. Liveness alone answers from the first moment the port opens.
 */
export async function isStarted(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/livez`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      return false;
    }
    const liveness = Liveness.safeParse(await res.json());
    return liveness.success && liveness.data.phase === 'running';
  } catch {
    return false;
  }
}

/** Whether the role at `url` says it is ready (`/readyz` answers 200). */
export async function isReady(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}
