import { invariant } from '../invariant.ts';
import { MemoryStorage, type Entry, type HardState, type Snapshot } from '../raft/index.ts';
import type { RaftWrite } from './types.ts';

/** What a write changes once the parts the held state already covers are left out. */
export interface WritePlan {
  /** A received snapshot newer than the one held: it replaces the whole log. */
  readonly snapshot: Snapshot | null;
  /** Entries after the (new) snapshot, replacing the held log from entries[0].index on. */
  readonly entries: readonly Entry[];
  readonly hardState: HardState | null;
  /** True when entries[0] lands inside the held log, so the rows from there on must go first. */
  readonly truncates: boolean;
}

/**
 * Checks a write against the state it lands on and trims it the way MemoryStorage would apply it
 * (an older snapshot is ignored, entries the snapshot covers are dropped), so the rows written and
 * the mirror updated afterwards can never disagree.
 */
export function planWrite(held: MemoryStorage, write: RaftWrite): WritePlan {
  const offered = write.snapshot ?? null;
  const snapshot = offered !== null && offered.meta.index > held.snapshot().meta.index ? offered : null;
  const offset = snapshot ? snapshot.meta.index : held.firstIndex() - 1;
  const last = snapshot ? snapshot.meta.index : held.lastIndex();
  const all = write.entries ?? [];
  const first = all[0];
  if (first === undefined) return { snapshot, entries: [], hardState: write.hardState ?? null, truncates: false };

  invariant(first.index <= last + 1, 'append leaves a gap', { first: first.index, last });
  for (let k = 1; k < all.length; k++) {
    invariant(all[k]!.index === first.index + k && all[k]!.term >= all[k - 1]!.term, 'entries not contiguous', { at: k, index: all[k]!.index });
  }
  const entries = first.index > offset ? all : all.filter((e) => e.index > offset);
  const head = entries[0];
  if (!snapshot && head !== undefined) {
    // Raft never rewrites a committed entry; a write that would is a bug upstream.
    const commit = held.initialState().hardState.commit;
    for (const e of entries) {
      if (e.index > Math.min(commit, last)) break;
      invariant(held.term(e.index) === e.term, 'write replaces a committed entry', { index: e.index, commit });
    }
  }
  return { snapshot, entries, hardState: write.hardState ?? null, truncates: !snapshot && head !== undefined && head.index <= last };
}

/** Applies a plan whose rows are already committed to the in-memory mirror the core reads. */
export function applyPlan(mirror: MemoryStorage, plan: WritePlan): void {
  if (plan.snapshot) mirror.applySnapshot(plan.snapshot);
  mirror.append(plan.entries);
  if (plan.hardState) mirror.setHardState(plan.hardState);
}

/** The durable state as read back from disk. */
export interface LoadedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot;
  /** The last entry compacted away (index 0 when none): entries start right after it. */
  readonly compacted: { readonly index: number; readonly term: number };
  readonly entries: readonly Entry[];
}

/**
 * Rebuilds the mirror from what was read back. Entries may remain behind the snapshot (it was
 * taken but the log not yet compacted that far), so the log's start and the snapshot are restored
 * apart: first the log from its compaction point, then the snapshot over it.
 */
export function restoreMirror(loaded: LoadedState): MemoryStorage {
  const { snapshot, compacted, entries, hardState } = loaded;
  invariant(compacted.index <= snapshot.meta.index, 'log compacted beyond its snapshot', { compacted: compacted.index, snapshot: snapshot.meta.index });
  invariant(entries.length === 0 || entries[0]!.index === compacted.index + 1, 'log does not start after its compaction point', {
    compacted: compacted.index,
    first: entries[0]?.index,
  });
  const mirror = new MemoryStorage(snapshot.meta.conf);
  if (compacted.index === snapshot.meta.index) {
    mirror.applySnapshot(snapshot);
  } else if (compacted.index > 0) {
    mirror.applySnapshot({ meta: { index: compacted.index, term: compacted.term, conf: snapshot.meta.conf }, data: new Uint8Array() });
  }
  mirror.append(entries);
  mirror.setHardState(hardState);
  if (snapshot.meta.index > compacted.index) {
    const restored = mirror.createSnapshot(snapshot.meta.index, snapshot.meta.conf, snapshot.data);
    invariant(restored.meta.term === snapshot.meta.term, 'snapshot term disagrees with the log', { index: snapshot.meta.index });
  }
  return mirror;
}
