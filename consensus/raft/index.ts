/**
 * The Raft core: a pure state machine, no clock, sockets, timers or randomness of its own.
 *
 * Driving it (one loop per node, see tests/consensus/sim/sim-node.ts for a complete one):
 *   new storage: write bootstrapState(conf) (founders) or nothing (a node added later);
 *   node = new RawNode(storage, { id, ... }, seededRandom);
 *   every tick interval: node.tick();  every message received: node.step(message);
 *   clients: node.propose(data), node.proposeConfChange(change), node.readIndex(ctx);
 *   while (node.hasReady()) { rd = node.ready(); persist rd.snapshot, rd.entries, rd.hardState;
 *     send rd.messages; apply rd.committedEntries; answer rd.readStates once applied; node.advance(rd); }
 *   now and then: storage.createSnapshot(applied, node.status().conf, state); storage.compact(i).
 */
export { RaftError, type RaftErrorCode } from './errors.ts';
export { bootstrapState, decodeConfChange, encodeConfChange } from './membership.ts';
export { RaftOptionsSchema, type RaftOptions } from './options.ts';
export type { RandomSource } from './random.ts';
export { RawNode, type RaftStatus, type Ready } from './raw-node.ts';
export { MemoryStorage, type RaftStorage } from './storage.ts';
export type * from './types.ts';
