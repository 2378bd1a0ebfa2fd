import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, HistoryMalformedError, type CheckResult } from './checker.ts';
import { impossibleReadValues, linearizableRegisterHistory, type RegisterStep } from './generate.ts';
import { completed, pending, type CompletedOperation, type Operation } from './history.ts';
import { attestationModel, registerModel, type AttestationInput, type AttestationOutput, type RegisterInput, type RegisterOutput } from './models.ts';

type Op = Operation<RegisterInput, RegisterOutput>;
const TIMEOUT_MS = 10_000;

/** Hand-written histories: each helper takes the id, client, key, value and the interval. */
let nextId = 0;
const write = (client: number, key: string, value: string, callMs: number, returnMs: number): Op =>
  completed(nextId++, client, { kind: 'write', key, value }, { kind: 'written' }, callMs, returnMs);
const read = (client: number, key: string, value: string | null, callMs: number, returnMs: number): Op =>
  completed(nextId++, client, { kind: 'read', key }, { kind: 'read', value }, callMs, returnMs);
const pendingWrite = (client: number, key: string, value: string, callMs: number): Op => pending(nextId++, client, { kind: 'write', key, value }, callMs);
const pendingRead = (client: number, key: string, callMs: number): Op => pending(nextId++, client, { kind: 'read', key }, callMs);

const check = (history: Op[]): CheckResult<RegisterInput, RegisterOutput> => checkLinearizable(registerModel, history, { timeoutMs: TIMEOUT_MS });

describe('linearizability checker on registers', () => {
  it('accepts an empty history', () => {
    expect(check([]).ok).toBe(true);
  });

  it('accepts a sequential history where every read sees the last write', () => {
    expect(check([read(0, 'x', null, 0, 1), write(0, 'x', 'a', 2, 3), read(1, 'x', 'a', 4, 5), write(1, 'x', 'b', 6, 7), read(0, 'x', 'b', 8, 9)]).ok).toBe(true);
  });

  it('lets a read that overlaps a write see either the old or the new value', () => {
    expect(check([write(0, 'x', 'a', 0, 1), write(0, 'x', 'b', 2, 10), read(1, 'x', 'a', 3, 4)]).ok).toBe(true);
    expect(check([write(0, 'x', 'a', 0, 1), write(0, 'x', 'b', 2, 10), read(1, 'x', 'b', 3, 4)]).ok).toBe(true);
  });

  it('counts operations that touch in time as concurrent', () => {
    expect(check([write(0, 'x', 'a', 0, 5), read(1, 'x', null, 5, 6)]).ok).toBe(true);
  });

  it('orders concurrent writes as later reads demand', () => {
    expect(check([write(0, 'x', 'a', 0, 10), write(1, 'x', 'b', 0, 10), read(2, 'x', 'a', 11, 12), read(2, 'x', 'a', 13, 14)]).ok).toBe(true);
    expect(check([write(0, 'x', 'a', 0, 10), write(1, 'x', 'b', 0, 10), read(2, 'x', 'b', 11, 12)]).ok).toBe(true);
  });

  it('rejects a stale read after a completed write, naming the read that could not be placed', () => {
    const stale = read(1, 'x', 'a', 4, 5);
    const result = check([write(0, 'x', 'a', 0, 1), write(0, 'x', 'b', 2, 3), stale]);
    expect(result.ok).toBe(false);
    if (result.ok !== false) return;
    expect(result.key).toBe('x');
    expect(result.violation.stuck).toBe(stale);
    expect(result.violation.linearized.map((op) => op.input)).toEqual([
      { kind: 'write', key: 'x', value: 'a' },
      { kind: 'write', key: 'x', value: 'b' },
    ]);
    expect(result.violation.stateAfter).toBe('"b"');
    expect(result.violation.text).toContain('could not place');
  });

  it('rejects two readers that see two concurrent writes in opposite orders', () => {
    const history = [
      write(0, 'x', 'a', 0, 100),
      write(1, 'x', 'b', 0, 100),
      read(2, 'x', 'a', 10, 20),
      read(3, 'x', 'b', 10, 20),
      read(2, 'x', 'b', 30, 40),
      read(3, 'x', 'a', 30, 40),
    ];
    expect(check(history).ok).toBe(false);
  });

  it('rejects a read that goes back to an older value after a newer one was read', () => {
    expect(check([write(0, 'x', 'a', 0, 1), write(0, 'x', 'b', 2, 50), read(1, 'x', 'b', 3, 4), read(1, 'x', 'a', 5, 6)]).ok).toBe(false);
  });

  it('rejects a read of a value nobody wrote', () => {
    const result = check([write(0, 'x', 'a', 0, 10), read(1, 'x', 'z', 2, 3)]);
    expect(result.ok).toBe(false);
  });

  it('rejects a read of a value written only after the read returned', () => {
    expect(check([read(1, 'x', 'a', 0, 1), write(0, 'x', 'a', 2, 3)]).ok).toBe(false);
  });

  it('lets a pending write take effect, even long after its call', () => {
    expect(check([pendingWrite(0, 'x', 'a', 0), read(1, 'x', null, 10, 11), read(1, 'x', 'a', 20, 21)]).ok).toBe(true);
  });

  it('lets a pending write never take effect', () => {
    expect(check([pendingWrite(0, 'x', 'a', 0), read(1, 'x', null, 10, 11), read(1, 'x', null, 20, 21)]).ok).toBe(true);
  });

  it('rejects a pending write that is seen and then unseen', () => {
    expect(check([pendingWrite(0, 'x', 'a', 0), read(1, 'x', 'a', 10, 11), read(1, 'x', null, 20, 21)]).ok).toBe(false);
  });

  it('does not let a pending write take effect before its call', () => {
    expect(check([read(1, 'x', 'a', 0, 1), pendingWrite(0, 'x', 'a', 2)]).ok).toBe(false);
  });

  it('ignores pending reads', () => {
    expect(check([write(0, 'x', 'a', 0, 1), pendingRead(1, 'x', 2), read(0, 'x', 'a', 3, 4)]).ok).toBe(true);
  });

  it('checks keys independently and names the key of a violation', () => {
    const result = check([write(0, 'x', 'a', 0, 1), write(0, 'y', 'b', 0, 1), read(1, 'x', 'a', 2, 3), read(1, 'y', null, 2, 3)]);
    expect(result.ok).toBe(false);
    if (result.ok === false) expect(result.key).toBe('y');
    expect(result.stats.partitions).toBe(2);
  });

  it('answers unknown when the search outlives its time budget', () => {
    // Twenty concurrent writes and a read of a value none wrote: every subset of writes is a configuration.
    const history = [...Array.from({ length: 20 }, (_, i) => write(i, 'x', `v${i}`, 0, 100)), read(99, 'x', 'none', 50, 60)];
    const result = checkLinearizable(registerModel, history, { timeoutMs: 0 });
    expect(result).toMatchObject({ ok: 'unknown', key: 'x', reason: 'timeout' });
  });

  it('answers unknown when a partition needs more memory for memoized configurations than allowed', () => {
    const history = [...Array.from({ length: 20 }, (_, i) => write(i, 'x', `v${i}`, 0, 100)), read(99, 'x', 'none', 50, 60)];
    const result = checkLinearizable(registerModel, history, { timeoutMs: TIMEOUT_MS, memoBytesMax: 64 * 1024 });
    expect(result).toMatchObject({ ok: 'unknown', key: 'x', reason: 'memo_limit' });
  });

  it('refuses a history with an operation that returns before its call', () => {
    expect(() => check([write(0, 'x', 'a', 5, 4)])).toThrow(HistoryMalformedError);
  });

  it('settles twenty fully concurrent writes and a possible read without timing out', () => {
    const history = [...Array.from({ length: 20 }, (_, i) => write(i, 'x', `v${i}`, 0, 100)), read(99, 'x', 'v7', 50, 60)];
    expect(check(history).ok).toBe(true);
  });
});

const stepArb: fc.Arbitrary<RegisterStep> = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  write: fc.boolean(),
  leadMs: fc.integer({ min: 0, max: 12 }),
  lagMs: fc.integer({ min: 0, max: 12 }),
  // One operation in ten never learns its outcome.
  pending: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
});

/** The definition, searched by brute force: some order of all completed and any pending operations, real time kept, the model agreeing. */
function linearizableByBruteForce(history: readonly Op[]): boolean {
  const placed = new Set<Op>();
  const mustPrecede = (a: Op, b: Op) => !a.pending && a.returnMs < b.callMs;
  const search = (state: string | null, keyOf: string): boolean => {
    const open = history.filter((op) => op.input.key === keyOf && !placed.has(op));
    if (open.every((op) => op.pending)) return true;
    for (const op of open) {
      if (open.some((other) => other !== op && mustPrecede(other, op))) continue;
      const stepped = registerModel.step(state, op.input, op.output);
      if (!stepped.ok) continue;
      placed.add(op);
      const found = search(stepped.state, keyOf);
      placed.delete(op);
      if (found) return true;
    }
    return false;
  };
  return [...new Set(history.map((op) => op.input.key))].every((key) => search(null, key));
}

const randomOpArb = fc.record({
  key: fc.constantFrom('x', 'y'),
  write: fc.boolean(),
  value: fc.constantFrom('a', 'b', 'c'),
  readsNothing: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
  callMs: fc.integer({ min: 0, max: 10 }),
  lengthMs: fc.integer({ min: 0, max: 6 }),
  pending: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
});

describe('linearizability checker properties', () => {
  it('agrees with a brute-force search on small arbitrary histories', () => {
    fc.assert(
      fc.property(fc.array(randomOpArb, { maxLength: 7 }), (specs) => {
        const history: Op[] = specs.map((s, id) => {
          const input: RegisterInput = s.write ? { kind: 'write', key: s.key, value: s.value } : { kind: 'read', key: s.key };
          if (s.pending) return pending(id, id, input, s.callMs);
          const output: RegisterOutput = s.write ? { kind: 'written' } : { kind: 'read', value: s.readsNothing ? null : s.value };
          return completed(id, id, input, output, s.callMs, s.callMs + s.lengthMs);
        });
        expect(check(history).ok).toBe(linearizableByBruteForce(history));
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts every history recorded from a sequential register with overlapping intervals', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        expect(check(linearizableRegisterHistory(steps)).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects such a history once one completed read returns an impossible value', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 80 }), fc.nat(), fc.nat(), (steps, pick, pickValue) => {
        const history = linearizableRegisterHistory(steps);
        const reads = history.filter((op): op is CompletedOperation<RegisterInput, RegisterOutput> => op.input.kind === 'read' && !op.pending);
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length]!;
        const impossible = impossibleReadValues(history, target);
        const value = impossible[pickValue % impossible.length]!;
        const corrupted = history.map((op) => (op === target ? { ...op, output: { kind: 'read' as const, value } } : op));
        expect(check(corrupted).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

type AttestOp = Operation<AttestationInput, AttestationOutput>;
const FEED = { assetId: 'a', feedId: 'f' };
const attestInput = (n: number, observedAtMs: number): AttestationInput => ({ kind: 'attest', ...FEED, eventId: `e${n}`, value: n, observedAtMs });
const latestOf = (n: number, observedAtMs: number) => ({ eventId: `e${n}`, value: n, observedAtMs });
/** The attestation model without its inert rule: the plain search, to hold the reduction to. */
const { inert: _inert, ...attestationModelPlain } = attestationModel;

const attestOpArb = fc.record({
  write: fc.boolean(),
  n: fc.integer({ min: 0, max: 8 }),
  observedAtMs: fc.integer({ min: 0, max: 4 }),
  readsNothing: fc.integer({ min: 0, max: 3 }).map((k) => k === 0),
  rejected: fc.integer({ min: 0, max: 5 }).map((k) => k === 0),
  callMs: fc.integer({ min: 0, max: 10 }),
  lengthMs: fc.integer({ min: 0, max: 6 }),
  pending: fc.integer({ min: 0, max: 2 }).map((k) => k === 0),
});

describe('linearizability checker on the attestation register', () => {
  it('gives the same verdict with and without placing inert attests at once, on small arbitrary histories', () => {
    const verdicts = new Set<string>();
    fc.assert(
      fc.property(fc.array(attestOpArb, { maxLength: 9 }), (specs) => {
        const history: AttestOp[] = specs.map((s, id) => {
          const input: AttestationInput = s.write ? attestInput(id, s.observedAtMs) : { kind: 'read', ...FEED };
          if (s.pending) return pending(id, id, input, s.callMs);
          // A read names what some attest in the history wrote (if spec n is one), or nothing.
          const named = specs[s.n];
          const latest = s.readsNothing || named === undefined || !named.write ? null : latestOf(s.n, named.observedAtMs);
          const output: AttestationOutput = s.write ? { kind: 'attest', outcome: s.rejected ? 'rejected' : 'committed' } : { kind: 'read', latest };
          return completed(id, id, input, output, s.callMs, s.callMs + s.lengthMs);
        });
        const reduced = checkLinearizable(attestationModel, history, { timeoutMs: TIMEOUT_MS });
        const plain = checkLinearizable(attestationModelPlain, history, { timeoutMs: TIMEOUT_MS });
        expect(reduced.ok).toBe(plain.ok);
        verdicts.add(String(plain.ok));
      }),
      { numRuns: 3_000 },
    );
    // Not vacuous: both verdicts came up.
    expect([...verdicts].sort()).toEqual(['false', 'true']);
  });

  it('rejects a read of an attestation nobody sent behind thirty pending attests the register has passed, without trying their subsets', () => {
    const history: AttestOp[] = [
      completed(0, 0, attestInput(0, 1_000), { kind: 'attest', outcome: 'committed' }, 0, 1),
      ...Array.from({ length: 30 }, (_, k) => pending(k + 1, k + 1, attestInput(k + 1, k), 2 + k)),
      completed(31, 40, { kind: 'read', ...FEED }, { kind: 'read', latest: latestOf(99, 2_000) }, 40, 41),
    ];
    const result = checkLinearizable(attestationModel, history, { timeoutMs: TIMEOUT_MS, memoBytesMax: 16 * 1024 * 1024 });
    expect(result.ok).toBe(false);
    expect(result.stats.configurations).toBeLessThan(100);
    // The plain search tries subsets of the thirty and runs out of memory for them: the reduction is what settles it.
    expect(checkLinearizable(attestationModelPlain, history, { timeoutMs: TIMEOUT_MS, memoBytesMax: 16 * 1024 * 1024 }).ok).toBe('unknown');
  });

  it('accepts a read of a later committed attest behind thirty pending attests the register has passed', () => {
    const history: AttestOp[] = [
      completed(0, 0, attestInput(0, 1_000), { kind: 'attest', outcome: 'committed' }, 0, 1),
      ...Array.from({ length: 30 }, (_, k) => pending(k + 1, k + 1, attestInput(k + 1, k), 2 + k)),
      completed(31, 40, attestInput(31, 2_000), { kind: 'attest', outcome: 'committed' }, 40, 41),
      completed(32, 41, { kind: 'read', ...FEED }, { kind: 'read', latest: latestOf(31, 2_000) }, 42, 43),
    ];
    expect(checkLinearizable(attestationModel, history, { timeoutMs: TIMEOUT_MS }).ok).toBe(true);
  });
});
