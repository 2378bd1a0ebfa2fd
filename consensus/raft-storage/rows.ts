import { z } from 'zod';
import type { ConfState, Entry, HardState, Snapshot } from '../raft/index.ts';
import { EMPTY_SNAPSHOT } from '../raft/storage.ts';
import { RaftStorageError } from './errors.ts';
import type { LoadedState } from './plan.ts';

/** The single row of raft_state and raft_snapshot. */
export const SINGLE_ROW_ID = 1;

const index = z.number().int().nonnegative();
const ConfStateSchema = z.object({ voters: z.array(z.string()), learners: z.array(z.string()) });
const StateRowSchema = z.object({ term: index, vote: z.string().nullable(), commit: index, compactedIndex: index, compactedTerm: index });
const SnapshotRowSchema = z.object({ index, term: index, conf: ConfStateSchema, data: z.instanceof(Uint8Array) });
const EntryRowSchema = z.object({ index: index.positive(), term: index.positive(), type: z.enum(['normal', 'conf_change']), data: z.instanceof(Uint8Array) });

export type StateRow = z.infer<typeof StateRowSchema>;

function parse<T>(schema: z.ZodType<T>, row: unknown, what: string): T {
  const parsed = schema.safeParse(row);
  if (!parsed.success) throw new RaftStorageError('RAFT_STORAGE_CORRUPT', `${what} row does not parse`, { cause: parsed.error });
  return parsed.data;
}

/** Reads the rows back into a state; an absent row means nothing was written yet. */
export function decodeLoaded(stateRow: unknown, snapshotRow: unknown, entryRows: readonly unknown[]): LoadedState {
  const state = stateRow === undefined ? undefined : parse(StateRowSchema, stateRow, 'raft_state');
  const snap = snapshotRow === undefined ? undefined : parse(SnapshotRowSchema, snapshotRow, 'raft_snapshot');
  const hardState: HardState = state ? { term: state.term, vote: state.vote, commit: state.commit } : { term: 0, vote: null, commit: 0 };
  const snapshot: Snapshot = snap ? { meta: { index: snap.index, term: snap.term, conf: snap.conf }, data: snap.data } : EMPTY_SNAPSHOT;
  const entries: Entry[] = entryRows.map((row) => parse(EntryRowSchema, row, 'raft_entries'));
  return { hardState, snapshot, compacted: { index: state?.compactedIndex ?? 0, term: state?.compactedTerm ?? 0 }, entries };
}

/** The full state row for a hard state and a log start. */
export const stateRow = (hardState: HardState, compacted: { index: number; term: number }) => ({
  id: SINGLE_ROW_ID,
  term: hardState.term,
  vote: hardState.vote,
  commit: hardState.commit,
  compactedIndex: compacted.index,
  compactedTerm: compacted.term,
});

export const snapshotRow = (snapshot: Snapshot) => ({
  id: SINGLE_ROW_ID,
  index: snapshot.meta.index,
  term: snapshot.meta.term,
  conf: { voters: [...snapshot.meta.conf.voters], learners: [...snapshot.meta.conf.learners] } satisfies ConfState,
  data: snapshot.data,
});
