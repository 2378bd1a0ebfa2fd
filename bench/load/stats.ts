/** One request's outcome, as the open-model generator records it. */
export type Outcome =
  | { kind: 'answered'; status: number; latencyMs: number }
  | { kind: 'failed'; latencyMs: number }
  /** Not sent: the generator already had its bound of requests in flight (the target is saturated). */
  | { kind: 'dropped' };

export interface StageReport {
  targetRps: number;
  /** Answers (any HTTP status) per second over the stage, from its first scheduled send to its last answer. */
  achievedRps: number;
  /** Of every answer, from the moment the request was due (not sent): queueing in the generator counts. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Answers that were neither 2xx nor 429, connection failures, timeouts and requests not sent. */
  errors: number;
  /** 429 answers. */
  limited: number;
  /** Of the errors: requests that got no answer (refused, reset, timed out), and requests not sent. */
  unanswered: number;
  notSent: number;
  requests: number;
  durationS: number;
}

/** Nearest-rank percentile of sorted values; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function summarizeStage(targetRps: number, outcomes: readonly Outcome[], elapsedMs: number): StageReport {
  const answered = outcomes.filter((o): o is Extract<Outcome, { kind: 'answered' }> => o.kind === 'answered');
  const latencies = answered.map((o) => o.latencyMs).sort((a, b) => a - b);
  const limited = answered.filter((o) => o.status === 429).length;
  const badAnswers = answered.filter((o) => o.status !== 429 && (o.status < 200 || o.status >= 300)).length;
  const unanswered = outcomes.filter((o) => o.kind === 'failed').length;
  const notSent = outcomes.filter((o) => o.kind === 'dropped').length;
  return {
    targetRps,
    achievedRps: elapsedMs <= 0 ? 0 : round1((answered.length * 1000) / elapsedMs),
    p50Ms: round1(percentile(latencies, 50)),
    p95Ms: round1(percentile(latencies, 95)),
    p99Ms: round1(percentile(latencies, 99)),
    errors: badAnswers + unanswered + notSent,
    limited,
    unanswered,
    notSent,
    requests: outcomes.length,
    durationS: round1(elapsedMs / 1000),
  };
}

/** When the i-th request of a stage is due: a fixed arrival rate, whatever the answers do (open model). */
export const dueAtMs = (index: number, targetRps: number): number => (index * 1000) / targetRps;
