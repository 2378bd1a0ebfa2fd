/**
 * Histories of client operations for the linearizability checker: what each client asked,
 * what it was told, and when (in one process, on a monotonic clock).
 *
 * An operation whose outcome is unknown (timeout, connection reset, an answer that does not say)
 * may or may not have taken effect, at any moment after its call: it is recorded as pending
 * forever (`returnMs` = Infinity, no output), and the checker lets it take effect or not.
 * An operation that definitely never took effect and never will (refused before it reached the
 * replicated log) is failed: it is left out of the history, as Jepsen does with `:fail`.
 */

export interface CompletedOperation<I, O> {
  /** Position in call order among all recorded calls (failed ones included): unique within a history. */
  id: number;
  clientId: number;
  input: I;
  output: O;
  callMs: number;
  returnMs: number;
  pending: false;
}

export interface PendingOperation<I> {
  id: number;
  clientId: number;
  input: I;
  output: undefined;
  callMs: number;
  /** Always Infinity: the operation may take effect at any time after its call. */
  returnMs: number;
  pending: true;
}

export type Operation<I, O> = CompletedOperation<I, O> | PendingOperation<I>;
export type History<I, O> = readonly Operation<I, O>[];

/**
 * A strictly increasing milliseconds clock: performance.now() is monotonic but two reads can be
 * equal; within one process the order of events is known, so equal readings are nudged apart by a nanosecond.
 */
export function monotonicClock(now: () => number = () => performance.now()): () => number {
  let last = -Infinity;
  return () => {
    const t = now();
    last = t > last ? t : last + 1e-6;
    return last;
  };
}

/** What the wrapped call says about its own outcome. */
export type CallOutcome<O> =
  /** The operation took effect (or definitely did not, if `output` says so): the model judges `output`. */
  | { kind: 'ok'; output: O }
  /** Nobody knows whether it took effect. */
  | { kind: 'unknown'; cause?: unknown }
  /** It definitely did not take effect and never will: it is left out of the history. Only for a refusal the system under test proves. */
  | { kind: 'failed'; reason: string };

/** A call that failed for sure: what was asked and when, for reports (the checker never sees it). */
export interface FailedOperation<I> {
  id: number;
  clientId: number;
  input: I;
  callMs: number;
  reason: string;
}

/**
 * Records operations around async calls. A call that throws is recorded as unknown:
 * an exception says nothing about whether a request reached the cluster.
 */
export class Recorder<I, O> {
  /** Indexed by id; null for a failed call (kept in `failures`), so ids stay in call order. */
  private readonly operations: (Operation<I, O> | null)[] = [];
  private readonly failures: FailedOperation<I>[] = [];
  private readonly clock: () => number;

  constructor(clock: () => number = monotonicClock()) {
    this.clock = clock;
  }

  async record(clientId: number, input: I, call: () => Promise<CallOutcome<O>>): Promise<CallOutcome<O>> {
    const id = this.operations.length;
    const callMs = this.clock();
    // A placeholder keeps ids in call order; it is replaced once the call settles.
    this.operations.push({ id, clientId, input, output: undefined, callMs, returnMs: Infinity, pending: true });
    let outcome: CallOutcome<O>;
    try {
      outcome = await call();
    } catch (cause) {
      outcome = { kind: 'unknown', cause };
    }
    if (outcome.kind === 'ok') {
      this.operations[id] = { id, clientId, input, output: outcome.output, callMs, returnMs: this.clock(), pending: false };
    } else if (outcome.kind === 'failed') {
      this.operations[id] = null;
      this.failures.push({ id, clientId, input, callMs, reason: outcome.reason });
    }
    return outcome;
  }

  /** A copy of the operations so far, failed ones left out; calls still in flight appear as pending. */
  history(): Operation<I, O>[] {
    return this.operations.flatMap((op) => (op === null ? [] : [{ ...op }]));
  }

  /** The calls that failed for sure, in the order they settled. */
  failed(): FailedOperation<I>[] {
    return this.failures.map((f) => ({ ...f }));
  }
}

/** Builders for hand-written histories in tests. */
export function completed<I, O>(id: number, clientId: number, input: I, output: O, callMs: number, returnMs: number): CompletedOperation<I, O> {
  return { id, clientId, input, output, callMs, returnMs, pending: false };
}

export function pending<I>(id: number, clientId: number, input: I, callMs: number): PendingOperation<I> {
  return { id, clientId, input, output: undefined, callMs, returnMs: Infinity, pending: true };
}
