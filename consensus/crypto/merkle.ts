/**
 * The Merkle tree lives in schemas/merkle.ts: it is part of the protocol a dApp verifies against
 * (client/verify uses it), and depends on @noble/hashes alone.
 */
export * from '../../schemas/merkle.ts';
