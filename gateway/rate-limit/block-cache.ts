/**
 * The library's ephemeral block cache (identifier → end of its block, ms), with a bound. The
 * library only accepts a `Map` (it checks `instanceof Map`) and adds an entry for every identifier
 * it sees over its limit, removing one only when that identifier comes back after its block: with
 * many client addresses over the /auth limit, a plain Map would grow without end. Past `entriesMax`
 * the entry set longest ago goes (insertion order, which is also roughly expiry order); losing an
 * entry costs one Redis round trip for that identifier, never a wrong answer.
 */
export class BoundedBlockCache extends Map<string, number> {
  constructor(readonly entriesMax: number) {
    super();
    if (!Number.isInteger(entriesMax) || entriesMax < 1) throw new RangeError(`entriesMax must be a positive integer, got ${entriesMax}`);
  }

  override set(identifier: string, blockedUntilMs: number): this {
    // Re-setting moves the entry to the end, so the oldest stays first.
    super.delete(identifier);
    while (this.size >= this.entriesMax) {
      const oldest = this.keys().next();
      if (oldest.done === true) break;
      super.delete(oldest.value);
    }
    return super.set(identifier, blockedUntilMs);
  }
}
