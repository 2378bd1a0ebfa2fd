import { z } from 'zod';
import { Hash32, IsoTimestamp, Transaction } from '../../schemas/index.ts';

/**
 * What one Raft log entry carries: a batch of transactions in the order the leader chose, with
 * everything else a block needs that must not differ between nodes (who proposed it, and when).
 * Every node turns the same entry into the same block, so they all compute the same hash.
 */
export const ProposedBatch = z.object({
  /** Unique per proposal: lets the proposing node tell its own entry from one that replaced it. */
  proposalId: z.string().min(1).max(128),
  /** The proposing leader's signer node id (hex SHA-256 of its public key): the block's proposer. */
  proposer: Hash32,
  timestamp: IsoTimestamp,
  txs: z.array(Transaction).min(1),
});
export type ProposedBatch = z.infer<typeof ProposedBatch>;

export type BatchDecodeResult = { ok: true; batch: ProposedBatch } | { ok: false; reason: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeBatch(batch: ProposedBatch): Uint8Array {
  return encoder.encode(JSON.stringify(batch));
}

/**
 * Entries came from a cluster member, not from us: checked like any input. A batch that fails is
 * skipped by every node alike (they all decode the same bytes), so the chain stays the same everywhere.
 */
export function decodeBatch(data: Uint8Array): BatchDecodeResult {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(data));
  } catch {
    return { ok: false, reason: 'entry is not UTF-8 JSON' };
  }
  const parsed = ProposedBatch.safeParse(json);
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, batch: parsed.data };
}
