/**
 * Register histories that are linearizable by construction, for property tests and the bench:
 * a sequential register runs the steps in order, step k at time k × spacing (its linearization
 * point), and each operation's interval is stretched around its point by `leadMs` before and `lagMs`
 * after. Any two operations ordered in real time are then ordered by their points, so the
 * sequential run is a witness.
 */
import type { Operation } from './history.ts';
import type { RegisterInput, RegisterOutput } from './models.ts';

export interface RegisterStep {
  key: number;
  write: boolean;
  leadMs: number;
  lagMs: number;
  /** The caller never learned the outcome; a pending write still took effect at its point. */
  pending: boolean;
}

export const STEP_SPACING_MS = 1;

export function linearizableRegisterHistory(steps: readonly RegisterStep[], clients = 8): Operation<RegisterInput, RegisterOutput>[] {
  const values = new Map<string, string>();
  return steps.map((s, id) => {
    const key = `k${s.key}`;
    const pointMs = id * STEP_SPACING_MS;
    const callMs = pointMs - s.leadMs;
    const clientId = id % clients;
    let input: RegisterInput;
    let output: RegisterOutput;
    if (s.write) {
      // Values are unique per write, so a read names the one write it saw.
      const value = `v${id}`;
      values.set(key, value);
      input = { kind: 'write', key, value };
      output = { kind: 'written' };
    } else {
      input = { kind: 'read', key };
      output = { kind: 'read', value: values.get(key) ?? null };
    }
    if (s.pending) return { id, clientId, input, output: undefined, callMs, returnMs: Infinity, pending: true };
    return { id, clientId, input, output, callMs, returnMs: pointMs + s.lagMs, pending: false };
  });
}

/**
 * Values a completed read could not have returned: never written to its key, or written only by a
 * write called after the read had returned.
 */
export function impossibleReadValues(history: readonly Operation<RegisterInput, RegisterOutput>[], read: Operation<RegisterInput, RegisterOutput>): string[] {
  const impossible = ['never-written'];
  for (const op of history) {
    if (op.input.kind === 'write' && op.input.key === read.input.key && op.callMs > read.returnMs) impossible.push(op.input.value);
  }
  return impossible;
}

/** A small deterministic PRNG (mulberry32) for the bench's histories. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomStepsOptions {
  steps: number;
  keys: number;
  writeShare: number;
  pendingShare: number;
  stretchMsMax: number;
}

export function randomRegisterSteps(random: () => number, o: RandomStepsOptions): RegisterStep[] {
  return Array.from({ length: o.steps }, () => {
    const write = random() < o.writeShare;
    return {
      key: Math.floor(random() * o.keys),
      write,
      leadMs: random() * o.stretchMsMax,
      lagMs: random() * o.stretchMsMax,
      pending: write && random() < o.pendingShare,
    };
  });
}
