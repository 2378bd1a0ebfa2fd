export { buildBlock, type BuildInput, type BuiltBlock } from './build.ts';
export { executeBatch, type ExecutedBatch, type PendingTx, type TxOutcome } from './execute.ts';
export { sealBlock, genesisBlock, type SealInput } from './seal.ts';
export { verifyBlock } from './verify.ts';
export { blockHashOf, txHashOf, ZERO_HASH } from './hashing.ts';
