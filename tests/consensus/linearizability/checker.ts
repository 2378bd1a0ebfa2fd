/**
 * A linearizability checker: is there a total order of the operations, consistent with their
 * real-time order (an operation that returned before another was called comes first), in which a
 * sequential model gives every completed operation the output it really got?
 *
 * The search is Wing & Gong's, in Lowe's form: events (calls and returns) in time order in a
 * linked list; at each step linearize some call that is still open, or backtrack when a return comes
 * whose operation is not linearized yet. Configurations already seen — the set of linearized
 * operations with the model state they lead to — are memoized, which cuts the exponential search
 * down to what the history really leaves open. The history is first cut into independent partitions
 * (per key for registers): a history is linearizable iff each partition is, and each is small.
 *
 * Operations with an unknown outcome (pending) never return: they may be linearized anywhere after
 * their call, or never, and the search succeeds once every completed operation is placed.
 */
import type { History, Operation } from './history.ts';

export type StepResult<S> = { ok: true; state: S } | { ok: false };

export interface Partition<I, O> {
  key: string;
  operations: Operation<I, O>[];
}

/** A sequential specification of the object the history was recorded against. */
export interface Model<S, I, O> {
  /** Independent sub-histories: the whole is linearizable iff each is. Default: one partition. */
  partition?(history: History<I, O>): Partition<I, O>[];
  init(): S;
  /** `output` is undefined for a pending operation: the model must accept any outcome of it. States are never mutated. */
  step(state: S, input: I, output: O | undefined): StepResult<S>;
  /** 32-bit hash of a state; equal states must hash alike. */
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  /** An input that never changes the state: pending ones are dropped before the search, as they can explain nothing. */
  readOnly?(input: I): boolean;
  /**
   * True when an operation with this input, whatever its output, leaves this state and every state
   * reachable from it unchanged (a max-register's write of a value it has passed). Such an operation
   * that fits is placed at once without branching, like a read: placing it now, later or never
   * leads through the same states, so trying each is wasted work (2^k for k of them open).
   */
  inert?(state: S, input: I): boolean;
  describe(input: I, output: O | undefined): string;
  describeState(state: S): string;
}

export interface CheckOptions {
  /** Wall-clock budget for the whole history; past it the answer is 'unknown'. */
  timeoutMs: number;
  /** Memory for memoized configurations per partition (estimated); past it the answer is 'unknown'. */
  memoBytesMax?: number;
}

export interface Violation<I, O> {
  /** The longest sequence of operations the search could linearize, in linearization order. */
  linearized: Operation<I, O>[];
  /** A completed operation that could not be placed after that sequence (its return came first). */
  stuck: Operation<I, O>;
  /** The model state after `linearized`. */
  stateAfter: string;
  /** The same, for people: one line per operation. */
  text: string;
}

export interface CheckStats {
  partitions: number;
  operations: number;
  /** Configurations memoized over all partitions checked. */
  configurations: number;
}

export type CheckResult<I, O> =
  | { ok: true; stats: CheckStats }
  | { ok: false; key: string; violation: Violation<I, O>; stats: CheckStats }
  | { ok: 'unknown'; key: string; reason: 'timeout' | 'memo_limit'; stats: CheckStats };

export const MEMO_BYTES_MAX_DEFAULT = 256 * 1024 * 1024;
/** Per configuration besides its bitset: the chain link, the state reference, the Map entry (amortized). */
const MEMO_ENTRY_OVERHEAD_BYTES = 40;

/** A malformed history (a return before its call, a missing time): a bug in the recorder, not a violation. */
export class HistoryMalformedError extends Error {
  readonly code = 'HISTORY_MALFORMED';
  constructor(message: string) {
    super(message);
    this.name = 'HistoryMalformedError';
  }
}

export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: History<I, O>, options: CheckOptions): CheckResult<I, O> {
  for (const op of history) assertWellFormed(op);
  const deadlineMs = performance.now() + options.timeoutMs;
  const memoBytesMax = options.memoBytesMax ?? MEMO_BYTES_MAX_DEFAULT;
  const partitions = model.partition?.(history) ?? [{ key: '', operations: [...history] }];
  const stats: CheckStats = { partitions: partitions.length, operations: history.length, configurations: 0 };
  let unknown: { key: string; reason: 'timeout' | 'memo_limit' } | undefined;
  for (const { key, operations } of partitions) {
    const result = searchPartition(model, operations, deadlineMs, memoBytesMax);
    stats.configurations += result.configurations;
    if (result.kind === 'violation') return { ok: false, key, violation: result.violation, stats };
    // The deadline is for the whole history: once past it, no later partition gets a look either.
    if (result.kind === 'timeout') return { ok: 'unknown', key, reason: 'timeout', stats };
    // A partition too big to settle leaves the answer open, but a later one may still prove a violation.
    if (result.kind === 'memo_limit' && unknown === undefined) unknown = { key, reason: 'memo_limit' };
  }
  return unknown === undefined ? { ok: true, stats } : { ok: 'unknown', ...unknown, stats };
}

function assertWellFormed(op: Operation<unknown, unknown>): void {
  if (!Number.isFinite(op.callMs)) throw new HistoryMalformedError(`operation ${op.id}: call time ${op.callMs} is not a finite number`);
  if (op.pending) {
    if (op.returnMs !== Infinity) throw new HistoryMalformedError(`operation ${op.id}: pending but returned at ${op.returnMs}`);
    return;
  }
  if (!Number.isFinite(op.returnMs)) throw new HistoryMalformedError(`operation ${op.id}: completed without a finite return time`);
  if (op.returnMs < op.callMs) throw new HistoryMalformedError(`operation ${op.id}: returned at ${op.returnMs} before its call at ${op.callMs}`);
}

type PartitionResult<I, O> =
  | { kind: 'ok'; configurations: number }
  | { kind: 'violation'; violation: Violation<I, O>; configurations: number }
  | { kind: 'timeout' | 'memo_limit'; configurations: number };

/** Clock reads are not free: look at it once per this many search steps. */
const DEADLINE_CHECK_EVERY = 1024;
const NONE = -1;

function searchPartition<S, I, O>(model: Model<S, I, O>, all: Operation<I, O>[], deadlineMs: number, memoBytesMax: number): PartitionResult<I, O> {
  const ops = all.filter((op) => !(op.pending && model.readOnly?.(op.input) === true));
  const n = ops.length;
  if (n === 0) return { kind: 'ok', configurations: 0 };

  // Events 2i (call) and 2i+1 (return) of operation i, in time order; at equal times calls come
  // first, so operations that touch in time count as concurrent (the permissive reading).
  const order = Array.from({ length: 2 * n }, (_, e) => e);
  const timeOf = (e: number) => ((e & 1) === 0 ? ops[e >> 1]!.callMs : ops[e >> 1]!.returnMs);
  order.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);

  // The doubly linked list of events still open; HEAD is a sentinel before the first.
  const HEAD = 2 * n;
  const next = new Int32Array(2 * n + 1);
  const prev = new Int32Array(2 * n + 1);
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = NONE;
  const unlink = (e: number) => {
    next[prev[e]!] = next[e]!;
    if (next[e] !== NONE) prev[next[e]!] = prev[e]!;
  };
  const relink = (e: number) => {
    next[prev[e]!] = e;
    if (next[e] !== NONE) prev[next[e]!] = e;
  };
  // Lifting a call removes its return too; putting back happens in the reverse order.
  const lift = (call: number) => {
    unlink(call);
    unlink(call + 1);
  };
  const unlift = (call: number) => {
    relink(call + 1);
    relink(call);
  };

  // The linearized set as a bitset, with a Zobrist hash kept up to date bit by bit.
  const words = Math.ceil(n / 32);
  const memoEntriesMax = Math.floor(memoBytesMax / (4 * words + MEMO_ENTRY_OVERHEAD_BYTES));
  const bits = new Uint32Array(words);
  const zobrist = zobristTable(n);
  let bitsHash = 0;
  const flip = (i: number) => {
    bits[i >>> 5]! ^= 1 << (i & 31);
    bitsHash ^= zobrist[i]!;
  };

  // The memo as chained hash buckets over flat arrays: configuration c keeps its bitset at
  // words [c × words, (c + 1) × words) of one growing arena, so a million of them cost no million objects.
  const memoHead = new Map<number, number>();
  let memoNext = new Int32Array(1024);
  let memoBits = new Uint32Array(1024 * words);
  const memoStates: S[] = [];
  let configurations = 0;
  /** Adds the current (bits, state) to the memo; false if it was there already. */
  const remember = (state: S): boolean => {
    // 30 bits: V8 keeps such numbers unboxed (small integers), which makes the Map much faster.
    const key = (bitsHash + Math.imul(model.hash(state) | 0, 0x85ebca6b)) & 0x3fffffff;
    const first = memoHead.get(key) ?? NONE;
    for (let c = first; c !== NONE; c = memoNext[c]!) {
      if (sameBits(memoBits, c * words, bits, words) && model.equal(memoStates[c]!, state)) return false;
    }
    const c = configurations++;
    if (c === memoNext.length) {
      const grownNext = new Int32Array(2 * c);
      grownNext.set(memoNext);
      memoNext = grownNext;
      const grownBits = new Uint32Array(2 * c * words);
      grownBits.set(memoBits);
      memoBits = grownBits;
    }
    memoNext[c] = first;
    memoBits.set(bits, c * words);
    memoStates.push(state);
    memoHead.set(key, c);
    return true;
  };

  // The stack of linearized calls with the state before each, so backtracking restores it, and
  // whether each was forced (see below).
  const stackCall: number[] = [];
  const stackState: S[] = [];
  const stackForced: boolean[] = [];
  let state = model.init();
  const readOnly = ops.map((op) => model.readOnly?.(op.input) === true);

  // The deepest stack seen, for the explanation; `lowWater` is how far the stack has unwound since
  // that copy, so a deeper one only copies what changed (linear over the whole search).
  const best: number[] = [];
  let lowWater = 0;

  let steps = 0;
  let entry = next[HEAD]!;
  for (;;) {
    if (++steps % DEADLINE_CHECK_EVERY === 0 && performance.now() > deadlineMs) return { kind: 'timeout', configurations };
    // Only a return event can end the scan (every call's return is after it), so the list is empty here.
    if (entry === NONE) return { kind: 'ok', configurations };
    const i = entry >> 1;
    const op = ops[i]!;
    let backtrack = false;
    if ((entry & 1) === 0) {
      const stepped = model.step(state, op.input, op.output);
      if (stepped.ok) {
        // A read (or an inert operation) that fits the state now may as well be placed now: every
        // real-time predecessor of a call this early in the list is placed already, and it changes
        // nothing, now or later. So if this configuration fails with it, it fails without it too; no
        // other choice here needs a try.
        const forced = (readOnly[i]! || model.inert?.(state, op.input) === true) && model.equal(stepped.state, state);
        flip(i);
        if (remember(stepped.state)) {
          if (configurations > memoEntriesMax) return { kind: 'memo_limit', configurations };
          stackCall.push(entry);
          stackState.push(state);
          stackForced.push(forced);
          state = stepped.state;
          lift(entry);
          if (stackCall.length > best.length) {
            best.length = lowWater;
            for (let k = lowWater; k < stackCall.length; k++) best.push(stackCall[k]! >> 1);
            lowWater = stackCall.length;
          }
          entry = next[HEAD]!;
          continue;
        }
        flip(i);
        // Seen before means explored and failed; by the argument above, so does this configuration.
        backtrack = forced;
      }
      if (!backtrack) {
        entry = next[entry]!;
        continue;
      }
    } else if (op.pending) {
      // Pending operations return at the end of time: reaching one means every completed operation is placed.
      return { kind: 'ok', configurations };
    }
    // A completed operation's return (it had to be placed by now), or a forced failure: undo the
    // latest choice, and go on with the next candidate after it unless that choice was forced.
    let resumed = false;
    while (!resumed) {
      const call = stackCall.pop();
      if (call === undefined) return { kind: 'violation', violation: explain(model, ops, order, best), configurations };
      state = stackState.pop()!;
      resumed = !stackForced.pop()!;
      lowWater = Math.min(lowWater, stackCall.length);
      flip(call >> 1);
      unlift(call);
      entry = next[call]!;
    }
  }
}

function sameBits(arena: Uint32Array, at: number, bits: Uint32Array, words: number): boolean {
  for (let k = 0; k < words; k++) if (arena[at + k] !== bits[k]) return false;
  return true;
}

/** Fixed pseudo-random 32-bit values per operation (splitmix32): the same history hashes alike on every run. */
function zobristTable(n: number): Uint32Array {
  const table = new Uint32Array(n);
  let seed = 0x2545f491;
  for (let i = 0; i < n; i++) {
    seed = (seed + 0x9e3779b9) | 0;
    let z = seed;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    table[i] = (z ^ (z >>> 16)) >>> 0;
  }
  return table;
}

function explain<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], order: readonly number[], best: readonly number[]): Violation<I, O> {
  let state = model.init();
  for (const i of best) {
    const stepped = model.step(state, ops[i]!.input, ops[i]!.output);
    if (!stepped.ok) throw new Error('checker bug: the recorded linearization does not replay');
    state = stepped.state;
  }
  // The first return in time among the operations left out: the search stopped there.
  const placed = new Set(best);
  const stuckEvent = order.find((e) => (e & 1) === 1 && !placed.has(e >> 1));
  if (stuckEvent === undefined || ops[stuckEvent >> 1]!.pending) throw new Error('checker bug: a violation with every completed operation placed');
  const stuck = ops[stuckEvent >> 1]!;
  const linearized = best.map((i) => ops[i]!);
  const line = (op: Operation<I, O>) =>
    `  #${op.id} client ${op.clientId} [${op.callMs.toFixed(3)}, ${op.pending ? '∞' : op.returnMs.toFixed(3)}] ${model.describe(op.input, op.output)}`;
  const text = [
    `linearized ${linearized.length} of ${ops.length} operations:`,
    ...linearized.map(line),
    `state then: ${model.describeState(state)}`,
    'could not place:',
    line(stuck),
  ].join('\n');
  return { linearized, stuck, stateAfter: model.describeState(state), text };
}
