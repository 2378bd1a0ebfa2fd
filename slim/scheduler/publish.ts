/** What the publication rule needs of a feed's schedule. */
export interface PublicationRule {
  /** Publish at least this often (ms since the last publication), whatever the value did. */
  heartbeatMs?: number | undefined;
  /** Publish when the value moved by more than this many basis points (1 bp = 0.01%) from the last published one. */
  deviationBps?: number | undefined;
}

export interface PublicationInput {
  rule: PublicationRule;
  /** The last published (evaluated and recorded) value and when it was published; null before the first. */
  last: { value: number; atMs: number } | null;
  /** The newly fetched value and the time now. */
  next: { value: number; atMs: number };
}

const BPS_PER_UNIT = 10_000;

/**
 * Whether a fetched observation with new data is published. Without heartbeat and deviation,
 * always (every new source reading). Otherwise when the value moved by more than `deviationBps`
 * or `heartbeatMs` has elapsed since the last publication, whichever comes first; the first
 * observation of a feed is always published. Pure: times are parameters.
 */
export function shouldPublish(input: PublicationInput): boolean {
  const { rule, last, next } = input;
  if (rule.heartbeatMs === undefined && rule.deviationBps === undefined) return true;
  if (last === null) return true;
  if (rule.heartbeatMs !== undefined && next.atMs - last.atMs >= rule.heartbeatMs) return true;
  if (rule.deviationBps !== undefined && deviationBps(last.value, next.value) > rule.deviationBps) return true;
  return false;
}

/** How far `next` moved from `last`, in basis points of |last|; any move away from zero is an infinite deviation. */
export function deviationBps(last: number, next: number): number {
  if (next === last) return 0;
  if (last === 0) return Number.POSITIVE_INFINITY;
  return (Math.abs(next - last) / Math.abs(last)) * BPS_PER_UNIT;
}
