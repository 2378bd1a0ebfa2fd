import { describe, expect, it } from 'vitest';
import { txHashOf } from '../../consensus/chain/index.ts';
import {
  applyTransaction,
  assetKey,
  attestationKey,
  compareCodePoints,
  eventKey,
  stateRoot,
  type ApplyResult,
} from '../../consensus/ledger/index.ts';
import type { Transaction } from '../../schemas/index.ts';
import { attest, minute, weatherEvent } from './fixtures.ts';

/** Applies transactions one by one at increasing heights, committing each one's writes. */
function run(txs: readonly Transaction[], state = new Map<string, unknown>()): { state: Map<string, unknown>; results: ApplyResult[] } {
  const results = txs.map((tx, i) => {
    const result = applyTransaction(state, tx, { height: i + 1, txHash: txHashOf(tx) });
    if (result.kind === 'applied') for (const [k, v] of result.writes) state.set(k, v);
    return result;
  });
  return { state, results };
}

describe('ledger: attest', () => {
  it('records the event, the feed latest value and the asset', () => {
    const event = weatherEvent({ value: 18.25 });
    const tx = attest(event);
    const { state, results } = run([tx]);
    expect(results[0]!.kind).toBe('applied');
    expect(state.get(eventKey(event.id))).toEqual({ txHash: txHashOf(tx), height: 1 });
    expect(state.get(attestationKey(event.feedId))).toMatchObject({ eventId: event.id, value: 18.25, unit: '°C', observedAt: event.observation.observedAt });
    expect(state.get(assetKey(event.assetId))).toMatchObject({ assetId: event.assetId, feeds: { [event.feedId]: { eventId: event.id, value: 18.25 } } });
  });

  it('treats an event applied before as a duplicate that writes nothing', () => {
    const event = weatherEvent();
    const { state } = run([attest(event)]);
    const rootBefore = stateRoot(state);
    const again = applyTransaction(state, attest(event), { height: 2, txHash: txHashOf(attest(event)) });
    expect(again).toEqual({ kind: 'duplicate', original: { txHash: txHashOf(attest(event)), height: 1 } });
    expect(stateRoot(state)).toBe(rootBefore);
  });

  it('rejects an event sent to review that carries no approval', () => {
    const { state, results } = run([attest(weatherEvent({ decision: 'review' }))]);
    expect(results[0]).toMatchObject({ kind: 'rejected', code: 'ATTEST_NOT_APPROVED' });
    expect(state.size).toBe(0);
  });

  it('attests a reviewed or rejected event once a reviewer approved it', () => {
    const { results } = run([
      attest(weatherEvent({ id: 'a', decision: 'review', approved: true })),
      attest(weatherEvent({ id: 'b', decision: 'rejected', approved: true, observedAt: minute(5) })),
    ]);
    expect(results.map((r) => r.kind)).toEqual(['applied', 'applied']);
  });

  it('rejects an event whose observation belongs to another feed', () => {
    const event = weatherEvent();
    const tampered = { ...event, feedId: 'feed-elsewhere' };
    expect(run([attest(tampered)]).results[0]).toMatchObject({ kind: 'rejected', code: 'ATTEST_INCONSISTENT' });
  });

  it('moves the latest value forward only: a late older observation is recorded but not latest', () => {
    const newer = weatherEvent({ id: 'new', observedAt: minute(10), value: 20 });
    const older = weatherEvent({ id: 'old', observedAt: minute(5), value: 10 });
    const { state, results } = run([attest(newer), attest(older)]);
    expect(results.map((r) => r.kind)).toEqual(['applied', 'applied']);
    expect(state.has(eventKey('old'))).toBe(true);
    expect(state.get(attestationKey(newer.feedId))).toMatchObject({ eventId: 'new', value: 20 });
    expect(state.get(assetKey(newer.assetId))).toMatchObject({ feeds: { [newer.feedId]: { eventId: 'new', value: 20 } } });
  });

  it('keeps each feed of an asset apart', () => {
    const { state } = run([attest(weatherEvent({ feedId: 'feed-a', value: 1 })), attest(weatherEvent({ feedId: 'feed-b', value: 2 }))]);
    expect(state.get(assetKey('asset-berlin-weather'))).toMatchObject({ feeds: { 'feed-a': { value: 1 }, 'feed-b': { value: 2 } } });
  });
});

describe('ledger: state root', () => {
  it('is the same for the same transactions applied to two fresh states', () => {
    const txs = [0, 1, 2, 3].map((n) => attest(weatherEvent({ id: `e${n}`, feedId: `feed-${n % 2}`, observedAt: minute(n), value: n })));
    expect(stateRoot(run(txs).state)).toBe(stateRoot(run(txs).state));
  });

  it('does not depend on the order keys were written in', () => {
    const a = new Map<string, unknown>([['x', 1], ['y', 2]]);
    const b = new Map<string, unknown>([['y', 2], ['x', 1]]);
    expect(stateRoot(a)).toBe(stateRoot(b));
  });

  it('changes when any value changes', () => {
    expect(stateRoot(new Map([['x', 1]]))).not.toBe(stateRoot(new Map([['x', 2]])));
  });

  it('sorts keys by code point, not by UTF-16 code unit', () => {
    const astral = '\u{1F600}'; // encoded as surrogates 0xD83D 0xDE00
    const privateUse = '\uE000';
    expect(compareCodePoints(privateUse, astral)).toBeLessThan(0);
    expect([astral, privateUse, 'a', 'ab', ''].sort(compareCodePoints)).toEqual(['', 'a', 'ab', privateUse, astral]);
  });
});
