import type { Entry, RawNode } from '../../../consensus/raft/index.ts';
import { mixDigest } from './kv.ts';

/** A broken Raft property, with what the simulator saw; the run stops at the first. */
export class SafetyViolation extends Error {
  readonly property: string;
  constructor(property: string, message: string) {
    super(`${property}: ${message}`);
    this.name = 'SafetyViolation';
    this.property = property;
  }
}

const entryKey = (e: Entry): string => `${e.term}:${e.type}:${mixDigest(0, new TextDecoder().decode(e.data))}:${e.data.byteLength}`;

/**
 * Raft's safety properties, checked as the run goes:
 * - election safety: at most one leader per term;
 * - log matching: an (index, term) names one entry with one predecessor term, everywhere —
 *   checked on every entry any node persists, which by induction gives matching logs;
 * - leader completeness: a new leader holds every entry applied anywhere before;
 * - state machine safety: every node applies the same entry at an index, reaching the same state.
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, string>();
  private readonly entryAt = new Map<string, { key: string; prevTerm: number | undefined }>();
  private readonly appliedAt = new Map<number, { key: string; digest: number }>();
  private readonly leading = new Set<string>();
  appliedMax = 0;

  /** After any input to a node: who leads which term, and whether a new leader is complete. */
  afterStep(id: string, raw: RawNode): void {
    const s = raw.status();
    if (s.role !== 'leader') {
      this.leading.delete(id);
      return;
    }
    const other = this.leaderOfTerm.get(s.term);
    if (other !== undefined && other !== id) throw new SafetyViolation('election safety', `${other} and ${id} both lead term ${s.term}`);
    this.leaderOfTerm.set(s.term, id);
    if (this.leading.has(id)) return;
    this.leading.add(id);
    this.checkComplete(id, raw);
  }

  private checkComplete(id: string, raw: RawNode): void {
    const { firstIndex, lastIndex, term } = raw.status();
    for (const [index, applied] of this.appliedAt) {
      if (index < firstIndex) continue;
      if (index > lastIndex) throw new SafetyViolation('leader completeness', `${id} leads term ${term} without applied entry ${index}`);
      const e = raw.entries(index, index + 1)?.[0];
      if (!e || entryKey(e) !== applied.key) throw new SafetyViolation('leader completeness', `${id} leads term ${term} with a different entry at ${index}`);
    }
  }

  /** Entries a node is about to persist (from its Ready). */
  onPersist(id: string, raw: RawNode, entries: readonly Entry[]): void {
    let prevTerm = entries.length > 0 ? raw.term(entries[0]!.index - 1) : undefined;
    for (const e of entries) {
      const at = `${e.index}:${e.term}`;
      const key = entryKey(e);
      const seen = this.entryAt.get(at);
      if (seen) {
        if (seen.key !== key) throw new SafetyViolation('log matching', `${id} holds a different entry at index ${e.index} term ${e.term}`);
        if (seen.prevTerm !== undefined && prevTerm !== undefined && seen.prevTerm !== prevTerm) {
          throw new SafetyViolation('log matching', `${id}: entry ${e.index} term ${e.term} follows term ${prevTerm}, elsewhere term ${seen.prevTerm}`);
        }
        if (seen.prevTerm === undefined) seen.prevTerm = prevTerm;
      } else {
        this.entryAt.set(at, { key, prevTerm });
      }
      prevTerm = e.term;
    }
  }

  /** One entry applied by a node, and the node's state digest right after it. */
  onApply(id: string, e: Entry, digest: number): void {
    const key = entryKey(e);
    const seen = this.appliedAt.get(e.index);
    if (!seen) {
      this.appliedAt.set(e.index, { key, digest });
      this.appliedMax = Math.max(this.appliedMax, e.index);
      return;
    }
    if (seen.key !== key) throw new SafetyViolation('state machine safety', `${id} applied a different entry at index ${e.index}`);
    if (seen.digest !== digest) throw new SafetyViolation('state machine safety', `${id} reached a different state at index ${e.index}`);
  }

  /** A node restored a snapshot: its state must be what others reached at that index. */
  onRestore(id: string, index: number, digest: number): void {
    const seen = this.appliedAt.get(index);
    if (seen && seen.digest !== digest) throw new SafetyViolation('state machine safety', `${id} restored a snapshot at ${index} that differs from the applied state there`);
  }

  /** Terms that had a leader so far. */
  leaderTerms(): number {
    return this.leaderOfTerm.size;
  }
}
