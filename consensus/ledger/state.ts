/** The ledger state: string keys to JSON values. Keys are namespaced (`event:`, `attestation:`, `asset:`). */
export type LedgerState = ReadonlyMap<string, unknown>;

/** What a transaction reads: `undefined` for an absent key. */
export interface StateView {
  get(key: string): unknown;
}

/**
 * Writes of a block layered over the committed state, so each transaction sees the
 * ones before it in the same block while the committed state stays untouched until the block is stored.
 */
export class StateOverlay implements StateView {
  readonly writes = new Map<string, unknown>();

  constructor(private readonly base: StateView) {}

  get(key: string): unknown {
    return this.writes.has(key) ? this.writes.get(key) : this.base.get(key);
  }

  setAll(writes: ReadonlyMap<string, unknown>): void {
    for (const [key, value] of writes) this.writes.set(key, value);
  }
}
