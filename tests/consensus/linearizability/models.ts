/**
 * Sequential specifications for the checker.
 *
 * (a) `registerModel`: one read/write register per key, for the checker's own tests.
 *
 * (b) `attestationModel`: what the cluster really offers as a per-key register, over the real API.
 *   key    = (assetId, feedId)
 *   write  = deliver one attest event for that feed: POST /api/v11/internal/channel-events
 *            with { events: [event] } (cluster token, no principal). The ledger (consensus/ledger/attest.ts)
 *            records every event once, but moves the feed's latest value only when the event's
 *            observation time is strictly later than the latest's (Date.parse of observedAt);
 *            an older or equally old observation is recorded and leaves "latest" as it was.
 *            So the register is a max-register ordered by observation time, and the model applies
 *            exactly that rule. A receipt that lists the event under `committed` (duplicate or not) means
 *            it took effect; under `rejected` (not approved, inconsistent) means it never will. A delivery
 *            refused before its event was proposed (a refused connection, the refusals listed in
 *            attestation-api.ts) is failed and never reaches the history.
 *   read   = GET /api/v11/state/assets/:assetId, then feeds[feedId]: { eventId, value, observedAt } of
 *            the latest, or nothing (404 ASSET_NOT_FOUND, or the asset has no entry for the feed yet).
 *            A read of an asset answers for all its feeds at once; the workload records one read per
 *            feed it looks at, which checks each feed on its own (sound, but blind to cross-feed atomicity).
 *   Requirement on the workload: every attest operation carries an event id no other operation uses.
 *   Then a `duplicate` answer still means "applied once, during this operation" (the node itself may
 *   propose an event twice, e.g. across a leader change), and no applied-id set is needed in the state.
 */
import type { History } from './history.ts';
import type { Model, Partition, StepResult } from './checker.ts';

/** FNV-1a over a string: the model states' hash for the memo. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let k = 0; k < text.length; k++) {
    h ^= text.charCodeAt(k);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Groups operations by key, keeping history order within each group. */
export function partitionByKey<I, O>(history: History<I, O>, keyOf: (input: I) => string): Partition<I, O>[] {
  const groups = new Map<string, Partition<I, O>>();
  for (const op of history) {
    const key = keyOf(op.input);
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, operations: [] };
      groups.set(key, group);
    }
    group.operations.push(op);
  }
  return [...groups.values()];
}

// (a) A register per key.

export type RegisterInput = { kind: 'write'; key: string; value: string } | { kind: 'read'; key: string };
export type RegisterOutput = { kind: 'written' } | { kind: 'read'; value: string | null };
export type RegisterState = string | null;

export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  partition: (history) => partitionByKey(history, (input) => input.key),
  init: () => null,
  step(state, input, output): StepResult<RegisterState> {
    if (input.kind === 'write') {
      if (output !== undefined && output.kind !== 'written') return { ok: false };
      return { ok: true, state: input.value };
    }
    if (output === undefined) return { ok: true, state };
    return output.kind === 'read' && output.value === state ? { ok: true, state } : { ok: false };
  },
  hash: (state) => (state === null ? 0 : hashString(state)),
  equal: (a, b) => a === b,
  readOnly: (input) => input.kind === 'read',
  describe(input, output) {
    const shown = output === undefined ? ' -> ?' : output.kind === 'read' ? ` -> ${JSON.stringify(output.value)}` : '';
    return input.kind === 'write' ? `write(${input.key}, ${JSON.stringify(input.value)})${shown}` : `read(${input.key})${shown}`;
  },
  describeState: (state) => JSON.stringify(state),
};

// (b) A feed's latest attested value on the ledger.

export interface LatestAttestation {
  eventId: string;
  value: number;
  /** Date.parse of the observation's observedAt: the ledger compares these. */
  observedAtMs: number;
}

export type AttestationInput =
  | { kind: 'attest'; assetId: string; feedId: string; eventId: string; value: number; observedAtMs: number }
  | { kind: 'read'; assetId: string; feedId: string };

export type AttestationOutput =
  /** `committed` includes a duplicate answer for this operation's own event id (see the header). */
  | { kind: 'attest'; outcome: 'committed' | 'rejected' }
  | { kind: 'read'; latest: LatestAttestation | null };

export type AttestationState = LatestAttestation | null;

export const attestationKeyOf = (input: { assetId: string; feedId: string }): string => `${input.assetId}/${input.feedId}`;

const sameLatest = (a: AttestationState, b: AttestationState): boolean =>
  a === b || (a !== null && b !== null && a.eventId === b.eventId && a.value === b.value && a.observedAtMs === b.observedAtMs);

export const attestationModel: Model<AttestationState, AttestationInput, AttestationOutput> = {
  partition: (history) => partitionByKey(history, attestationKeyOf),
  init: () => null,
  step(state, input, output): StepResult<AttestationState> {
    if (input.kind === 'attest') {
      if (output !== undefined && output.kind !== 'attest') return { ok: false };
      // A rejection does not depend on the state (approval, consistency of the event): a no-op anywhere.
      if (output !== undefined && output.outcome !== 'committed') return { ok: true, state };
      // The ledger's rule: only a strictly later observation becomes the latest.
      if (state !== null && !(input.observedAtMs > state.observedAtMs)) return { ok: true, state };
      return { ok: true, state: { eventId: input.eventId, value: input.value, observedAtMs: input.observedAtMs } };
    }
    if (output === undefined) return { ok: true, state };
    return output.kind === 'read' && sameLatest(output.latest, state) ? { ok: true, state } : { ok: false };
  },
  hash: (state) => (state === null ? 0 : hashString(state.eventId, state.observedAtMs >>> 0)),
  equal: sameLatest,
  readOnly: (input) => input.kind === 'read',
  // The latest's observation time never goes down (a committed attest raises it or leaves it), so an
  // attest no later than it can never move it again; rejected or not, it changes nothing.
  inert: (state, input) => input.kind === 'attest' && state !== null && input.observedAtMs <= state.observedAtMs,
  describe(input, output) {
    if (input.kind === 'attest') {
      const outcome = output === undefined ? '?' : output.kind === 'attest' ? output.outcome : 'malformed';
      return `attest(${attestationKeyOf(input)}, ${input.eventId}, value ${input.value} observed ${input.observedAtMs}) -> ${outcome}`;
    }
    const latest = output === undefined ? '?' : output.kind === 'read' ? describeLatest(output.latest) : 'malformed';
    return `read(${attestationKeyOf(input)}) -> ${latest}`;
  },
  describeState: describeLatest,
};

function describeLatest(latest: AttestationState): string {
  return latest === null ? 'nothing' : `${latest.eventId} (value ${latest.value} observed ${latest.observedAtMs})`;
}
