import fc from 'fast-check';
import type { Entry } from '../../../consensus/raft/index.ts';
import type { PeerMessage } from '../../../consensus/transport/index.ts';

/** Arbitrary peer messages of every kind, with the field ranges the wire schema accepts. */

const nodeId = fc.string({ minLength: 1, maxLength: 16 });
const count = fc.maxSafeNat();
const ctx = fc.string({ maxLength: 32 });
const hex = (bytesMax: number) => fc.uint8Array({ maxLength: bytesMax }).map((b) => Buffer.from(b).toString('hex'));

/** Consecutive entries, as Raft sends them; terms repeat in runs, as in a real log. */
const entries: fc.Arbitrary<Entry[]> = fc
  .tuple(
    fc.maxSafeNat(),
    fc.array(
      fc.record({
        term: fc.constantFrom(0, 1, 7, Number.MAX_SAFE_INTEGER),
        type: fc.constantFrom('normal' as const, 'conf_change' as const),
        data: fc.uint8Array({ maxLength: 64 }),
      }),
      { maxLength: 8 },
    ),
  )
  .map(([first, es]) => {
    const firstIndex = Math.min(first, Number.MAX_SAFE_INTEGER - es.length);
    return es.map((e, i) => ({ index: firstIndex + i, ...e }));
  });

const envelope = { from: nodeId, to: nodeId, term: count };

export const peerMessage: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.record({ ...envelope, type: fc.constantFrom('vote' as const, 'pre_vote' as const), lastLogIndex: count, lastLogTerm: count }),
  fc.record({ ...envelope, type: fc.constantFrom('vote_resp' as const, 'pre_vote_resp' as const), reject: fc.boolean() }),
  fc.record({
    ...envelope,
    type: fc.constant('append' as const),
    prevIndex: count,
    prevTerm: count,
    entries,
    commit: count,
  }),
  fc.record({ ...envelope, type: fc.constant('append_resp' as const), index: count, reject: fc.boolean(), hintIndex: count, hintTerm: count }),
  fc.record({ ...envelope, type: fc.constant('heartbeat' as const), commit: count, ctx: fc.option(ctx, { nil: null }) }),
  fc.record({ ...envelope, type: fc.constant('heartbeat_resp' as const), ctx: fc.option(ctx, { nil: null }) }),
  fc.record({
    ...envelope,
    type: fc.constant('snapshot' as const),
    snapshot: fc.record({
      meta: fc.record({ index: count, term: count, conf: fc.record({ voters: fc.array(nodeId, { maxLength: 5 }), learners: fc.array(nodeId, { maxLength: 3 }) }) }),
      data: fc.uint8Array({ maxLength: 256 }),
    }),
  }),
  fc.record({ ...envelope, type: fc.constant('read_index' as const), ctx }),
  fc.record({ ...envelope, type: fc.constant('read_index_resp' as const), index: count, ctx }),
  fc.record({
    type: fc.constant('cosign' as const),
    from: nodeId,
    to: nodeId,
    height: count,
    hash: hex(32),
    algorithm: fc.constantFrom('ml-dsa-44', 'ml-dsa-87'),
    publicKey: hex(64),
    signature: hex(128),
  }),
);

export const peerMessages = fc.array(peerMessage, { maxLength: 12 });

/** An append of `entries` entries of `entryBytes` each, the shape the leader sends most. */
export function appendMessage(from: string, to: string, firstIndex: number, entries: number, entryBytes: number): PeerMessage {
  return {
    type: 'append',
    from,
    to,
    term: 2,
    prevIndex: firstIndex - 1,
    prevTerm: 2,
    commit: firstIndex - 1,
    entries: Array.from({ length: entries }, (_, i) => ({ index: firstIndex + i, term: 2, type: 'normal' as const, data: new Uint8Array(entryBytes).fill((firstIndex + i) & 0xff) })),
  };
}
