/**
 * The checker's cost on histories shaped like a workload's: 10,000 operations over 20 keys,
 * half writes, 1% of writes pending forever, intervals stretched so that tens to a hundred and more
 * operations overlap (a workload of N clients has about N, plus its pending writes); then the same with one impossible read, and
 * 2,000 operations on a single key (what partitioning saves). Run with `npm run bench -- linearizability`.
 */
import { checkLinearizable, type CheckResult } from './checker.ts';
import { impossibleReadValues, linearizableRegisterHistory, prng, randomRegisterSteps, STEP_SPACING_MS } from './generate.ts';
import type { CompletedOperation } from './history.ts';
import { registerModel, type RegisterInput, type RegisterOutput } from './models.ts';

const ROUNDS = 3;
const TIMEOUT_MS = 30_000;

interface Scenario {
  name: string;
  operations: number;
  keys: number;
  /** Each interval reaches up to this far before and after its linearization point (points 1 ms apart). */
  stretchMsMax: number;
  corrupt: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'ops10kKeys20Stretch32', operations: 10_000, keys: 20, stretchMsMax: 32, corrupt: false },
  { name: 'ops10kKeys20Stretch100', operations: 10_000, keys: 20, stretchMsMax: 100, corrupt: false },
  { name: 'ops10kKeys20Stretch200', operations: 10_000, keys: 20, stretchMsMax: 200, corrupt: false },
  { name: 'ops10kKeys20Stretch32Violation', operations: 10_000, keys: 20, stretchMsMax: 32, corrupt: true },
  { name: 'ops2kKeys1Stretch8', operations: 2_000, keys: 1, stretchMsMax: 8, corrupt: false },
];

export async function linearizabilityBench(): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = { rounds: ROUNDS, timeoutMs: TIMEOUT_MS, stepSpacingMs: STEP_SPACING_MS, writeShare: 0.5, pendingWriteShare: 0.01 };
  for (const s of SCENARIOS) {
    const history = scenarioHistory(s);
    const concurrency = meanOverlap(history);
    const timesMs: number[] = [];
    let last: CheckResult<RegisterInput, RegisterOutput> | undefined;
    for (let round = 0; round < ROUNDS; round++) {
      const start = performance.now();
      last = checkLinearizable(registerModel, history, { timeoutMs: TIMEOUT_MS });
      timesMs.push(performance.now() - start);
    }
    // 'unknown' (out of time) is a result worth recording; the wrong definite answer is a bug.
    if (last!.ok === s.corrupt) throw new Error(`scenario ${s.name}: checker answered ${String(last!.ok)}`);
    results[s.name] = {
      operations: s.operations,
      keys: s.keys,
      stretchMsMax: s.stretchMsMax,
      meanConcurrentOperations: Math.round(concurrency * 10) / 10,
      verdict: last!.ok,
      configurations: last!.stats.configurations,
      medianMs: Math.round(median(timesMs) * 10) / 10,
      timesMs: timesMs.map((t) => Math.round(t * 10) / 10),
    };
  }
  return results;
}

function scenarioHistory(s: Scenario) {
  const random = prng(0x5eed + s.keys + s.stretchMsMax);
  const steps = randomRegisterSteps(random, { steps: s.operations, keys: s.keys, writeShare: 0.5, pendingShare: 0.01, stretchMsMax: s.stretchMsMax });
  const history = linearizableRegisterHistory(steps, 32);
  if (!s.corrupt) return history;
  // One impossible read near the end: the search has to cover almost the whole partition first.
  const reads = history.filter((op): op is CompletedOperation<RegisterInput, RegisterOutput> => op.input.kind === 'read' && !op.pending);
  const target = reads[reads.length - 10]!;
  const value = impossibleReadValues(history, target)[0]!;
  return history.map((op) => (op === target ? { ...op, output: { kind: 'read' as const, value } } : op));
}

/** Mean number of operations open at an operation's call: how much the search has to choose from. */
function meanOverlap(history: readonly { callMs: number; returnMs: number }[]): number {
  let total = 0;
  for (const op of history) for (const other of history) if (other.callMs <= op.callMs && other.returnMs >= op.callMs) total++;
  return total / history.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
