import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { txHashOf } from '../../../consensus/chain/index.ts';
import { applyTransaction, assetKey } from '../../../consensus/ledger/index.ts';
import { attestEvent, attestOutcome, isAssetNotFound, latestFromAsset } from './attestation-api.ts';
import { checkLinearizable } from './checker.ts';
import { completed, pending, type Operation } from './history.ts';
import { attestationModel, type AttestationInput, type AttestationOutput, type AttestationState } from './models.ts';

type Op = Operation<AttestationInput, AttestationOutput>;
const ASSET = 'asset-lin';
const FEED = 'feed-lin';

let nextId = 0;
const attestOp = (eventId: string, observedAtMs: number, callMs: number, returnMs: number, outcome: 'committed' | 'rejected' = 'committed'): Op =>
  completed(
    nextId++,
    0,
    { kind: 'attest', assetId: ASSET, feedId: FEED, eventId, value: observedAtMs / 1000, observedAtMs },
    { kind: 'attest', outcome },
    callMs,
    returnMs,
  );
const readOp = (latest: { eventId: string; observedAtMs: number } | null, callMs: number, returnMs: number, feedId = FEED): Op =>
  completed(
    nextId++,
    1,
    { kind: 'read', assetId: ASSET, feedId },
    { kind: 'read', latest: latest === null ? null : { ...latest, value: latest.observedAtMs / 1000 } },
    callMs,
    returnMs,
  );
const check = (history: Op[]) => checkLinearizable(attestationModel, history, { timeoutMs: 10_000 });

describe('attestation model', () => {
  it('keeps the later observation as latest when an older one is attested after it', () => {
    expect(check([attestOp('e2', 2000, 0, 1), attestOp('e1', 1000, 2, 3), readOp({ eventId: 'e2', observedAtMs: 2000 }, 4, 5)]).ok).toBe(true);
    expect(check([attestOp('e2', 2000, 0, 1), attestOp('e1', 1000, 2, 3), readOp({ eventId: 'e1', observedAtMs: 1000 }, 4, 5)]).ok).toBe(false);
  });

  it('does not replace the latest with an observation of the same time', () => {
    expect(check([attestOp('e1', 1000, 0, 1), attestOp('e2', 1000, 2, 3), readOp({ eventId: 'e1', observedAtMs: 1000 }, 4, 5)]).ok).toBe(true);
    expect(check([attestOp('e1', 1000, 0, 1), attestOp('e2', 1000, 2, 3), readOp({ eventId: 'e2', observedAtMs: 1000 }, 4, 5)]).ok).toBe(false);
  });

  it('treats a rejected attestation as one that never takes effect', () => {
    expect(check([attestOp('e1', 1000, 0, 1, 'rejected'), readOp(null, 2, 3)]).ok).toBe(true);
    expect(check([attestOp('e1', 1000, 0, 1, 'rejected'), readOp({ eventId: 'e1', observedAtMs: 1000 }, 2, 3)]).ok).toBe(false);
  });

  it('lets an attestation with an unknown outcome be seen later or never', () => {
    const unknown = pending(nextId++, 0, { kind: 'attest', assetId: ASSET, feedId: FEED, eventId: 'e1', value: 1, observedAtMs: 1000 } as const, 0);
    expect(check([unknown, readOp(null, 2, 3), readOp({ eventId: 'e1', observedAtMs: 1000 }, 4, 5)]).ok).toBe(true);
    expect(check([unknown, readOp(null, 2, 3), readOp(null, 4, 5)]).ok).toBe(true);
  });

  it('checks each feed of an asset on its own', () => {
    const result = check([attestOp('e1', 1000, 0, 1), readOp(null, 2, 3, 'feed-other'), readOp(null, 4, 5)]);
    expect(result).toMatchObject({ ok: false, key: `${ASSET}/${FEED}` });
  });
});

/** Applies one attestation with the real ledger and reads the feed back the way GET /state/assets/:id shows it. */
function ledgerAttest(state: Map<string, unknown>, height: number, eventId: string, observedAtMs: number, value: number): void {
  const tx = { type: 'attest' as const, event: attestEvent({ assetId: ASSET, feedId: FEED, eventId, value, observedAtMs }) };
  const result = applyTransaction(state, tx, { height, txHash: txHashOf(tx) });
  expect(result.kind).toBe('applied');
  if (result.kind === 'applied') for (const [k, v] of result.writes) state.set(k, v);
}

function ledgerRead(state: Map<string, unknown>): AttestationState {
  const asset = state.get(assetKey(ASSET));
  if (asset === undefined) return null;
  const latest = latestFromAsset(JSON.parse(JSON.stringify(asset)), FEED);
  expect(latest).not.toBeUndefined();
  return latest ?? null;
}

describe('attestation model against the real ledger', () => {
  it('predicts every read of the ledger after any sequence of attestations', () => {
    const BASE_MS = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(fc.array(fc.record({ secondsLater: fc.integer({ min: 0, max: 6 }), value: fc.integer({ min: -50, max: 50 }) }), { maxLength: 25 }), (attests) => {
        const ledger = new Map<string, unknown>();
        let model = attestationModel.init();
        attests.forEach((a, i) => {
          const input = { kind: 'attest', assetId: ASSET, feedId: FEED, eventId: `evt-${i}`, value: a.value, observedAtMs: BASE_MS + a.secondsLater * 1000 } as const;
          ledgerAttest(ledger, i + 1, input.eventId, input.observedAtMs, input.value);
          const stepped = attestationModel.step(model, input, { kind: 'attest', outcome: 'committed' });
          if (!stepped.ok) throw new Error('an attestation step never fails');
          model = stepped.state;
          const read = attestationModel.step(model, { kind: 'read', assetId: ASSET, feedId: FEED }, { kind: 'read', latest: ledgerRead(ledger) });
          expect(read.ok).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('attestation API answers', () => {
  it('reads a delivery receipt as committed, duplicate included, or rejected, and anything else as unknown', () => {
    const receipt = {
      committed: [
        { eventId: 'a', height: 3, txHash: 'x', duplicate: false },
        { eventId: 'b', height: 2, txHash: 'y', duplicate: true },
      ],
      rejected: [{ eventId: 'c', code: 'ATTEST_NOT_APPROVED', message: 'no' }],
    };
    expect(attestOutcome(receipt, 'a')).toEqual({ kind: 'attest', outcome: 'committed' });
    expect(attestOutcome(receipt, 'b')).toEqual({ kind: 'attest', outcome: 'committed' });
    expect(attestOutcome(receipt, 'c')).toEqual({ kind: 'attest', outcome: 'rejected' });
    expect(attestOutcome(receipt, 'd')).toBeUndefined();
    expect(attestOutcome({ error: { code: 'UNAVAILABLE' } }, 'a')).toBeUndefined();
  });

  it('tells a missing asset from a missing route', () => {
    expect(isAssetNotFound(404, { error: { code: 'ASSET_NOT_FOUND', message: 'no asset' } })).toBe(true);
    expect(isAssetNotFound(404, { error: { code: 'ROUTE_NOT_FOUND', message: 'no route' } })).toBe(false);
  });
});
