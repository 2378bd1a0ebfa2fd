/**
 * Passive outlier detection, Envoy's model: consecutive failures (5xx answers, refused or broken
 * connections, timeouts) eject a member for `baseEjectionMs × times ejected` (capped), after which
 * it is re-admitted with a clean count. Pure: state and time in, state out.
 */
export interface OutlierPolicy {
  /** Consecutive failures that eject a member. */
  consecutiveFailuresMax: number;
  /** The first ejection lasts this long; each further one adds as much again. */
  baseEjectionMs: number;
  /** No ejection lasts longer than this. */
  ejectionMsMax: number;
  /** At most this percentage of a pool is ejected at once (and never its last serving member). */
  ejectedPercentMax: number;
}

export interface OutlierState {
  consecutiveFailures: number;
  /** Ejections so far, decayed by one for each `baseEjectionMs` spent in service since the last. */
  timesEjected: number;
  /** While in the future, the member gets no traffic. */
  ejectedUntilMs: number | null;
  /** When the last ejection ended (for the decay of `timesEjected`). */
  readmittedAtMs: number | null;
}

export const freshOutlierState = (): OutlierState => ({ consecutiveFailures: 0, timesEjected: 0, ejectedUntilMs: null, readmittedAtMs: null });

export const isEjected = (state: OutlierState, nowMs: number): boolean => state.ejectedUntilMs !== null && nowMs < state.ejectedUntilMs;

/** How many members of a pool of `poolSize` may be ejected at once: the percentage, rounded down, and one member always stays. */
export function ejectedMax(poolSize: number, ejectedPercentMax: number): number {
  return Math.max(0, Math.min(Math.floor((poolSize * ejectedPercentMax) / 100), poolSize - 1));
}

/** An ejection whose cool-down has passed becomes a re-admission with a clean count; anything else is unchanged. */
export function readmitIfDue(state: OutlierState, nowMs: number): OutlierState {
  if (state.ejectedUntilMs === null || nowMs < state.ejectedUntilMs) return state;
  return { ...state, consecutiveFailures: 0, ejectedUntilMs: null, readmittedAtMs: state.ejectedUntilMs };
}

export function observeSuccess(state: OutlierState, nowMs: number): OutlierState {
  const current = readmitIfDue(state, nowMs);
  return current.consecutiveFailures === 0 ? current : { ...current, consecutiveFailures: 0 };
}

export type FailureVerdict = 'counted' | 'ejected' | 'ejection-refused' | 'already-ejected';

/**
 * One failure. `mayEject` says whether the pool can spare one more ejected member now; when it
 * cannot, the count stays at the threshold and the next failure asks again.
 */
export function observeFailure(
  state: OutlierState,
  nowMs: number,
  policy: OutlierPolicy,
  mayEject: boolean,
): { state: OutlierState; verdict: FailureVerdict } {
  const current = readmitIfDue(state, nowMs);
  // Answers to requests sent before the ejection say nothing new.
  if (isEjected(current, nowMs)) return { state: current, verdict: 'already-ejected' };
  const failures = Math.min(current.consecutiveFailures + 1, policy.consecutiveFailuresMax);
  if (failures < policy.consecutiveFailuresMax) return { state: { ...current, consecutiveFailures: failures }, verdict: 'counted' };
  if (!mayEject) return { state: { ...current, consecutiveFailures: failures }, verdict: 'ejection-refused' };
  const decayed = current.readmittedAtMs === null ? current.timesEjected : Math.max(0, current.timesEjected - Math.floor((nowMs - current.readmittedAtMs) / policy.baseEjectionMs));
  const timesEjected = decayed + 1;
  const durationMs = Math.min(policy.baseEjectionMs * timesEjected, policy.ejectionMsMax);
  return {
    state: { consecutiveFailures: 0, timesEjected, ejectedUntilMs: nowMs + durationMs, readmittedAtMs: current.readmittedAtMs },
    verdict: 'ejected',
  };
}
