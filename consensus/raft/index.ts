export { RaftError, type RaftErrorCode } from './errors.ts';
export { bootstrapState, decodeConfChange, encodeConfChange } from './membership.ts';
export { RaftOptionsSchema, type RaftOptions } from './options.ts';
export type { RandomSource } from './random.ts';
export { RawNode, type RaftStatus, type Ready } from './raw-node.ts';
export { MemoryStorage, type RaftStorage } from './storage.ts';
export type * from './types.ts';
