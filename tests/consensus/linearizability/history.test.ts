import { describe, expect, it } from 'vitest';
import { monotonicClock, Recorder } from './history.ts';

/** A clock that reads the given values in turn. */
const scripted = (...values: number[]) => () => values.shift() ?? Number.NaN;

describe('history recorder', () => {
  it('records a call with its output between its call and return times', async () => {
    const recorder = new Recorder<string, number>(scripted(10, 20));
    const outcome = await recorder.record(3, 'read', async () => ({ kind: 'ok', output: 42 }));
    expect(outcome).toEqual({ kind: 'ok', output: 42 });
    expect(recorder.history()).toEqual([{ id: 0, clientId: 3, input: 'read', output: 42, callMs: 10, returnMs: 20, pending: false }]);
  });

  it('records a call with an unknown outcome as pending forever', async () => {
    const recorder = new Recorder<string, number>(scripted(10, 20));
    await recorder.record(0, 'write', async () => ({ kind: 'unknown' }));
    expect(recorder.history()).toEqual([{ id: 0, clientId: 0, input: 'write', output: undefined, callMs: 10, returnMs: Infinity, pending: true }]);
  });

  it('records a call that throws as pending forever and reports the error as its cause', async () => {
    const recorder = new Recorder<string, number>(scripted(10, 20));
    const failure = new Error('connection reset');
    const outcome = await recorder.record(0, 'write', async () => {
      throw failure;
    });
    expect(outcome).toEqual({ kind: 'unknown', cause: failure });
    expect(recorder.history()[0]).toMatchObject({ pending: true, returnMs: Infinity });
  });

  it('leaves a call that failed for sure out of the history and lists it among the failed, keeping ids in call order', async () => {
    const recorder = new Recorder<string, number>(scripted(1, 2, 3, 4, 5));
    await recorder.record(0, 'refused', async () => ({ kind: 'failed', reason: '503 not the leader' }));
    await recorder.record(1, 'read', async () => ({ kind: 'ok', output: 7 }));
    expect(recorder.history()).toEqual([{ id: 1, clientId: 1, input: 'read', output: 7, callMs: 2, returnMs: 3, pending: false }]);
    expect(recorder.failed()).toEqual([{ id: 0, clientId: 0, input: 'refused', callMs: 1, reason: '503 not the leader' }]);
  });

  it('shows a call still in flight as pending, and ids in call order', async () => {
    const recorder = new Recorder<string, number>(scripted(1, 2, 3, 4));
    let finish: (() => void) | undefined;
    const slow = recorder.record(0, 'slow', () => new Promise((resolve) => (finish = () => resolve({ kind: 'ok', output: 1 }))));
    await recorder.record(1, 'fast', async () => ({ kind: 'ok', output: 2 }));
    expect(recorder.history().map((op) => [op.id, op.input, op.pending])).toEqual([
      [0, 'slow', true],
      [1, 'fast', false],
    ]);
    finish!();
    await slow;
    expect(recorder.history()[0]).toMatchObject({ output: 1, callMs: 1, returnMs: 4, pending: false });
  });

  it('keeps its clock strictly increasing when the underlying clock repeats a reading', () => {
    const clock = monotonicClock(scripted(5, 5, 4, 6));
    const readings = [clock(), clock(), clock(), clock()];
    for (let k = 1; k < readings.length; k++) expect(readings[k]!).toBeGreaterThan(readings[k - 1]!);
    expect(readings[3]).toBe(6);
  });
});
